import Foundation
@testable import Inputs
import Pipeline
import XCTest

/// Each collector over fixture files copied from a real /proc (Linux 6.x) and /sys.
final class HostMetricsCollectorTests: XCTestCase {
    private static let stat = """
        cpu  1497684 4 210808 1195147 7993 0 5370 376 0 0
        cpu0 685157 3 98363 670803 1504 0 2105 195 0 0
        cpu1 812526 1 112444 524343 6489 0 3264 181 12 7
        intr 11898244 36 9 0 0 0
        ctxt 29159948
        btime 1795970188
        processes 312541
        procs_running 2
        procs_blocked 1
        softirq 8571469 0 2486374 3 7553 0 0 3 2921021 0 3156515

        """

    private func scrape(_ fixture: HostFixture, _ collectors: String, _ options: String = "") throws -> [HostSample] {
        var scraper = hostScraper(try fixture.config("collectors: [\(collectors)]\n" + options))
        return try scraper.samples()
    }

    func testCPUSecondsAreTicksOverUserHZ() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/stat", Self.stat)
        let samples = try scrape(fixture, "cpu")
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        XCTAssertEqual(samples.value("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]), 685157 / hz)
        XCTAssertEqual(samples.value("node_cpu_seconds_total", ["cpu": "1", "mode": "idle"]), 524343 / hz)
        XCTAssertEqual(samples.value("node_cpu_seconds_total", ["cpu": "1", "mode": "steal"]), 181 / hz)
        XCTAssertEqual(samples.value("node_cpu_guest_seconds_total", ["cpu": "1", "mode": "user"]), 12 / hz)
        XCTAssertEqual(samples.value("node_cpu_guest_seconds_total", ["cpu": "1", "mode": "nice"]), 7 / hz)
        XCTAssertEqual(samples.labelValues("node_cpu_seconds_total", "cpu"), ["0", "1"], "the aggregate `cpu` line is not a CPU")
        XCTAssertEqual(samples.labelValues("node_cpu_seconds_total", "mode"),
                       ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"])
        XCTAssertEqual(samples.count, 2 * 10)
        XCTAssertTrue(samples.allSatisfy { $0.kind == .counter })
    }

    func testCPUCounterGoingBackwardsKeepsItsValue() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/stat", "cpu0 100 0 100 1000 50 0 0 0 0 0\n")
        var scraper = hostScraper(try fixture.config("collectors: [cpu]"))
        _ = try scraper.samples()
        try fixture.write("proc/stat", "cpu0 200 0 100 1100 40 0 0 0 0 0\n")  // iowait went back 10 ticks
        let second = try scraper.samples()
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        XCTAssertEqual(second.value("node_cpu_seconds_total", ["cpu": "0", "mode": "iowait"]), 50 / hz)
        XCTAssertEqual(second.value("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]), 200 / hz)
        try fixture.write("proc/stat", "cpu0 1 0 1 10 1 0 0 0 0 0\n")  // idle back by more than 3 s: hotplug
        let third = try scraper.samples()
        XCTAssertEqual(third.value("node_cpu_seconds_total", ["cpu": "0", "mode": "iowait"]), 1 / hz)
    }

    func testMeminfoNamesAndBytes() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/meminfo", """
            MemTotal:       24683652 kB
            MemAvailable:   23934872 kB
            Active(anon):       1572 kB
            Inactive(file):   769492 kB
            HugePages_Total:       0
            HugePages_Free:        3
            Hugepagesize:       2048 kB

            """)
        let samples = try scrape(fixture, "meminfo")
        XCTAssertEqual(samples.value("node_memory_MemTotal_bytes"), 24683652 * 1024)
        XCTAssertEqual(samples.value("node_memory_MemAvailable_bytes"), 23934872 * 1024)
        XCTAssertEqual(samples.value("node_memory_Active_anon_bytes"), 1572 * 1024)
        XCTAssertEqual(samples.value("node_memory_Inactive_file_bytes"), 769492 * 1024)
        XCTAssertEqual(samples.value("node_memory_HugePages_Free"), 3, "a unit-less field keeps its name and value")
        XCTAssertEqual(samples.value("node_memory_Hugepagesize_bytes"), 2048 * 1024)
        XCTAssertEqual(samples.count, 7)
        XCTAssertTrue(samples.allSatisfy { $0.kind == .gauge })
    }

    func testLoadavg() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/loadavg", "1.85 0.51 12.40 5/137 27841\n")
        let samples = try scrape(fixture, "loadavg")
        XCTAssertEqual(samples, [HostSample(name: "node_load1", labels: [:], value: 1.85, kind: .gauge),
                                 HostSample(name: "node_load5", labels: [:], value: 0.51, kind: .gauge),
                                 HostSample(name: "node_load15", labels: [:], value: 12.40, kind: .gauge)])
    }

    func testStat() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/stat", Self.stat)
        let samples = try scrape(fixture, "stat")
        XCTAssertEqual(samples.sample("node_boot_time_seconds"), HostSample(name: "node_boot_time_seconds", labels: [:], value: 1795970188, kind: .gauge))
        XCTAssertEqual(samples.sample("node_intr_total")?.value, 11898244)
        XCTAssertEqual(samples.sample("node_intr_total")?.kind, .counter)
        XCTAssertEqual(samples.value("node_context_switches_total"), 29159948)
        XCTAssertEqual(samples.value("node_forks_total"), 312541)
        XCTAssertEqual(samples.value("node_procs_running"), 2)
        XCTAssertEqual(samples.value("node_procs_blocked"), 1)
        XCTAssertEqual(samples.count, 6)
    }

    func testTimeAndClockSources() throws {
        let fixture = try HostFixture(self)
        try fixture.write("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc kvm-clock \n")
        try fixture.write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n")
        let before = Date().timeIntervalSince1970
        let samples = try scrape(fixture, "time")
        let now = try XCTUnwrap(samples.value("node_time_seconds"))
        XCTAssertTrue(now >= before - 0.001 && now <= Date().timeIntervalSince1970 + 0.001, "\(now)")
        XCTAssertEqual(samples.labelValues("node_time_clocksource_available_info", "clocksource"), ["tsc", "kvm-clock"])
        XCTAssertEqual(samples.value("node_time_clocksource_current_info", ["clocksource": "tsc", "device": "0"]), 1)
        XCTAssertEqual(samples.filter { $0.name == "node_time_zone_offset_seconds" }.count, 1)
    }

    func testVmstatKeepsNodeExportersDefaultFields() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/vmstat", """
            nr_free_pages 1200783
            pgdemote_kswapd 0
            pgpgin 25437581
            pgpgout 49713016
            pswpin 3
            pswpout 4
            pgalloc_normal 273098729
            pgfault 297785221
            pgmajfault 125421
            thp_fault_alloc 9
            oom_kill 1

            """)
        let samples = try scrape(fixture, "vmstat")
        XCTAssertEqual(Set(samples.map(\.name)), ["node_vmstat_pgpgin", "node_vmstat_pgpgout", "node_vmstat_pswpin", "node_vmstat_pswpout",
                                                 "node_vmstat_pgfault", "node_vmstat_pgmajfault", "node_vmstat_oom_kill"])
        XCTAssertEqual(samples.value("node_vmstat_pgmajfault"), 125421)
        XCTAssertEqual(samples.value("node_vmstat_oom_kill"), 1)
    }

    func testDiskstatsScalesAndExcludesPartitions() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/diskstats", """
               7       0 loop0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
             254       0 vda 1353908 60368 49132762 2107121 641306 351399 98182072 512116 3 177672 2671290 349451 0 105111856 46165 119334 5887
             254       1 vda1 5 0 8 1 0 0 0 0 0 1 1 0 0 0 0 0 0
             259       0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11
             259       1 nvme0n1p1 1 2 3 4 5 6 7 8 9 10 11
             253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0

            """)
        let samples = try scrape(fixture, "diskstats")
        XCTAssertEqual(samples.labelValues("node_disk_reads_completed_total", "device"), ["vda", "nvme0n1", "zram0"])
        let vda = ["device": "vda"]
        XCTAssertEqual(samples.value("node_disk_reads_completed_total", vda), 1353908)
        XCTAssertEqual(samples.value("node_disk_read_bytes_total", vda), 49132762 * 512)
        XCTAssertEqual(samples.value("node_disk_read_time_seconds_total", vda)!, 2107.121, accuracy: 1e-9)
        XCTAssertEqual(samples.value("node_disk_written_bytes_total", vda), 98182072 * 512)
        XCTAssertEqual(samples.sample("node_disk_io_now", vda)?.kind, .gauge)
        XCTAssertEqual(samples.value("node_disk_io_now", vda), 3)
        XCTAssertEqual(samples.value("node_disk_io_time_weighted_seconds_total", vda)!, 2671.29, accuracy: 1e-9)
        XCTAssertEqual(samples.value("node_disk_discarded_sectors_total", vda), 105111856)
        XCTAssertEqual(samples.value("node_disk_flush_requests_total", vda), 119334)
        XCTAssertEqual(samples.filter { $0.labels == vda }.count, 17)
        XCTAssertEqual(samples.filter { $0.labels == ["device": "nvme0n1"] }.count, 11, "an old kernel's 11 values")

        let custom = try scrape(fixture, "diskstats", "disk: { devices_exclude: '^zram' }")
        XCTAssertEqual(custom.labelValues("node_disk_io_now", "device"), ["loop0", "vda", "vda1", "nvme0n1", "nvme0n1p1"])
    }

    func testNetdevEveryColumnAndExclude() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 71636240104 5497915    0    0    0     0          0         0 71636240104 5497915    0    0    0     0       0          0
              eth0: 75262735    1480    1    2    3     4          5         6    71998     874    7    8    9    10      11         12
              eth1:4294967296 1 0 0 0 0 0 0 2 3 0 0 0 0 0 0

            """)
        let samples = try scrape(fixture, "netdev")
        XCTAssertEqual(samples.labelValues("node_network_receive_bytes_total", "device"), ["lo", "eth0", "eth1"])
        XCTAssertEqual(samples.value("node_network_receive_bytes_total", ["device": "eth1"]), 4294967296, "no space after the colon")
        let eth0 = ["device": "eth0"]
        let expected: [(String, Double)] = [
            ("receive_bytes", 75262735), ("receive_packets", 1480), ("receive_errs", 1), ("receive_drop", 2),
            ("receive_fifo", 3), ("receive_frame", 4), ("receive_compressed", 5), ("receive_multicast", 6),
            ("transmit_bytes", 71998), ("transmit_packets", 874), ("transmit_errs", 7), ("transmit_drop", 8),
            ("transmit_fifo", 9), ("transmit_colls", 10), ("transmit_carrier", 11), ("transmit_compressed", 12),
        ]
        for (column, value) in expected {
            XCTAssertEqual(samples.value("node_network_\(column)_total", eth0), value, column)
        }
        XCTAssertEqual(samples.count, 48)
        XCTAssertTrue(samples.allSatisfy { $0.kind == .counter })

        let custom = try scrape(fixture, "netdev", "network: { devices_exclude: '^lo$' }")
        XCTAssertEqual(custom.labelValues("node_network_receive_bytes_total", "device"), ["eth0", "eth1"])
    }

    func testFilesystemStatsAndExcludes() throws {
        let fixture = try HostFixture(self)
        let here = fixture.root.path
        try fixture.write("proc/1/mounts", """
            proc /proc proc rw,relatime 0 0
            /dev/vda / ext4 rw,relatime,discard 0 0
            tmpfs /dev/shm tmpfs rw,relatime,size=24683652k 0 0
            cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
            fixture \(here) ext4 ro,relatime 0 0
            fixture \(here) ext4 ro,relatime 0 0
            gone /no\\040such\\040dir ext4 rw 0 0

            """)
        let samples = try scrape(fixture, "filesystem")
        XCTAssertEqual(samples.labelValues("node_filesystem_device_error", "mountpoint"), ["/", here, "/no such dir"])
        let labels = ["device": "fixture", "fstype": "ext4", "mountpoint": here]
        var expected = statvfs()
        XCTAssertEqual(statvfs(here, &expected), 0)
        XCTAssertEqual(samples.value("node_filesystem_size_bytes", labels), Double(expected.f_blocks) * Double(expected.f_bsize))
        XCTAssertEqual(samples.value("node_filesystem_files", labels), Double(expected.f_files))
        XCTAssertEqual(samples.value("node_filesystem_readonly", labels), 1)
        XCTAssertEqual(samples.value("node_filesystem_readonly", ["device": "/dev/vda", "fstype": "ext4", "mountpoint": "/"]), 0)
        XCTAssertEqual(samples.filter { $0.labels == labels }.count, 7, "a mount listed twice is emitted once")
        let gone = ["device": "gone", "fstype": "ext4", "mountpoint": "/no such dir"]
        XCTAssertEqual(samples.filter { $0.labels == gone }, [HostSample(name: "node_filesystem_device_error", labels: gone, value: 1, kind: .gauge)])

        let custom = try scrape(fixture, "filesystem", "filesystem: { mount_points_exclude: '^/$', fs_types_exclude: '' }")
        XCTAssertEqual(custom.labelValues("node_filesystem_device_error", "mountpoint"),
                       ["/proc", "/dev/shm", "/sys/fs/cgroup/unified", here, "/no such dir"])
    }

    func testFilesystemFallsBackToOwnMounts() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/self/mounts", "/dev/vda / ext4 rw 0 0\n")
        let samples = try scrape(fixture, "filesystem")
        XCTAssertEqual(samples.labelValues("node_filesystem_size_bytes", "mountpoint"), ["/"])
    }

    func testPressure() throws {
        let fixture = try HostFixture(self)
        try fixture.write("proc/pressure/cpu", """
            some avg10=1.82 avg60=4.94 avg300=17.26 total=3631692958
            full avg10=0.00 avg60=0.00 avg300=0.00 total=0

            """)
        try fixture.write("proc/pressure/io", """
            some avg10=0.32 avg60=0.57 avg300=0.35 total=90570879
            full avg10=0.28 avg60=0.47 avg300=0.26 total=60424475

            """)
        try fixture.write("proc/pressure/memory", """
            some avg10=0.00 avg60=0.00 avg300=0.00 total=5
            full avg10=0.00 avg60=0.00 avg300=0.00 total=2

            """)
        let samples = try scrape(fixture, "pressure")
        XCTAssertEqual(samples, [
            HostSample(name: "node_pressure_cpu_waiting_seconds_total", labels: [:], value: 3631.692958, kind: .counter),
            HostSample(name: "node_pressure_io_waiting_seconds_total", labels: [:], value: 90.570879, kind: .counter),
            HostSample(name: "node_pressure_io_stalled_seconds_total", labels: [:], value: 60.424475, kind: .counter),
            HostSample(name: "node_pressure_memory_waiting_seconds_total", labels: [:], value: 0.000005, kind: .counter),
            HostSample(name: "node_pressure_memory_stalled_seconds_total", labels: [:], value: 0.000002, kind: .counter),
        ])
        try FileManager.default.removeItem(atPath: fixture.proc + "/pressure")
        XCTAssertEqual(try scrape(fixture, "pressure"), [], "no PSI in the kernel: no samples, no failure")
    }
}
