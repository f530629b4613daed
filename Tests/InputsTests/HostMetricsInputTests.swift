@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

final class HostMetricsInputTests: XCTestCase {
    func testScrapesThisHostOnEveryInterval() async throws {
        let pipeline = try await RunningPipeline("""
            inputs:
              host: { type: host_metrics, interval: 100ms }
            outputs:
              out: { type: metrics_sink, inputs: [host] }
            """, types: [HostMetricsInputConfig.componentType])
        let out = pipeline.capture()
        try await eventually { out.receivedBatches >= 2 }
        try await pipeline.stop()
        let batch = try XCTUnwrap(out.batches.compactMap { if case .metrics(let m) = $0 { m } else { nil } }.first)
        let names = Set((0..<batch.count).map { batch.name($0) })
        for name in ["node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_load1", "node_boot_time_seconds",
                     "node_time_seconds", "node_vmstat_pgfault", "node_network_receive_bytes_total", "node_filesystem_size_bytes"] {
            XCTAssertTrue(names.contains(name), "\(name) missing")
        }
        let failed = (0..<batch.count).filter { batch.name($0) == "node_scrape_collector_success" && batch.records[$0].value != 1 }
        XCTAssertEqual(failed.map { batch.labelPairs($0) }.count, 0, "\(failed.map { batch.labelPairs($0) })")
        XCTAssertEqual(Set(batch.records.map(\.timestamp)).count, 1, "one time for the whole scrape")
        XCTAssertGreaterThan(batch.records[0].timestamp, 1_600_000_000_000, "Unix milliseconds")
    }

    func testDefaults() throws {
        let config = try hostMetricsConfig("")
        XCTAssertEqual(config.interval, .seconds(15))
        XCTAssertEqual(config.paths.procfs, "/proc")
        XCTAssertEqual(config.paths.sysfs, "/sys")
        XCTAssertEqual(config.collectors, ["cpu", "meminfo", "loadavg", "stat", "time", "vmstat", "diskstats", "netdev",
                                           "filesystem", "pressure"])
        XCTAssertNil(config.networkDevicesExclude)
        let disk = try XCTUnwrap(config.diskDevicesExclude)
        for excluded in ["ram0", "loop12", "fd0", "sda1", "vdb2", "xvda1", "hda3", "nvme0n1p2"] {
            XCTAssertTrue(disk.matches(excluded), excluded)
        }
        for kept in ["sda", "vda", "nvme0n1", "dm-0", "md127", "zram0", "mmcblk0"] {
            XCTAssertFalse(disk.matches(kept), kept)
        }
        let mounts = try XCTUnwrap(config.mountPointsExclude)
        for excluded in ["/dev", "/dev/shm", "/proc", "/sys/fs/cgroup", "/run/credentials/x.service", "/var/lib/docker/overlay2/a"] {
            XCTAssertTrue(mounts.matches(excluded), excluded)
        }
        for kept in ["/", "/home", "/run", "/devices", "/var/lib/docker", "/mnt/data"] {
            XCTAssertFalse(mounts.matches(kept), kept)
        }
        let types = try XCTUnwrap(config.fsTypesExclude)
        XCTAssertTrue(types.matches("cgroup2") && types.matches("tmpfs") == false && types.matches("overlay"))
    }

    func testConfigErrors() {
        let registry = ComponentRegistry(TestComponents().registry.types + [HostMetricsInputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              host:
                type: host_metrics
                collectors: [cpu, uptime]
                disk: { devices_exclude: "(" }
                network: { device_exclude: lo }
            outputs:
              out: { type: metrics_sink, inputs: [host] }
            """, file: "h.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "h.yaml:4:23: inputs.host.collectors[1]: unknown collector 'uptime' (allowed: cpu, meminfo, loadavg, stat, time, vmstat, diskstats, netdev, filesystem, pressure)",
            "h.yaml:5:30: inputs.host.disk.devices_exclude: invalid regular expression '(': Unmatched ( or \\(",
            "h.yaml:6:16: inputs.host.network.device_exclude: unknown option 'device_exclude'; did you mean 'devices_exclude'? (allowed: devices_exclude)",
        ])
    }
}
