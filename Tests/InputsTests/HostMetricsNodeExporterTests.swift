import Foundation
@testable import Inputs
import Pipeline
import XCTest

/// Our samples beside a real node_exporter 1.5's, on this host.
///
/// node_exporter runs with the collectors we implement and upstream's default excludes
/// given explicitly (Debian patches some defaults: it drops `lo` and `/run`, `/mnt`).
/// Every metric name and label set we emit must be in its output, and for each name we emit
/// it must have no label set we lack; static values must match.
final class HostMetricsNodeExporterTests: XCTestCase {
    private static let flags = [
        "--path.procfs=/proc", "--path.sysfs=/sys",
        "--collector.filesystem.mount-points-exclude=\(FilesystemCollector.defaultMountPointsExclude)",
        "--collector.filesystem.fs-types-exclude=\(FilesystemCollector.defaultFSTypesExclude)",
        "--collector.diskstats.device-exclude=\(DiskstatsCollector.defaultExclude)",
        "--collector.netdev.device-exclude=",
    ]

    private var exporter: HostMetricsNodeExporter?
    private var theirs: [HostSample] = []
    private var ours: [HostSample] = []

    override func setUp() async throws {
        try HostMetricsNodeExporter.requireInstalled()
        let exporter = try await HostMetricsNodeExporter(collectors: HostMetricsInputConfig.collectorNames, flags: Self.flags,
                                                         in: try temporaryDirectory(self))
        self.exporter = exporter
        theirs = try exporter.scrape()
        var scraper = hostScraper(try hostMetricsConfig(""))
        ours = try scraper.samples(scrapeSeries: true)
    }

    override func tearDown() {
        exporter?.stop()
        exporter = nil
    }

    /// Label sets per metric name.
    private func series(_ samples: [HostSample], prefix: String) -> [String: Set<[String: String]>] {
        samples.filter { $0.name.hasPrefix(prefix) }.reduce(into: [:]) { $0[$1.name, default: []].insert($1.labels) }
    }

    private func assertSameSeries(_ prefix: String, file: StaticString = #filePath, line: UInt = #line) {
        let mine = series(ours, prefix: prefix)
        let reference = series(theirs, prefix: prefix)
        XCTAssertFalse(mine.isEmpty, "we emit no \(prefix)* metric", file: file, line: line)
        for (name, labelSets) in mine.sorted(by: { $0.key < $1.key }) {
            guard let expected = reference[name] else {
                XCTFail("node_exporter has no \(name)", file: file, line: line)
                continue
            }
            XCTAssertEqual(labelSets.subtracting(expected), [], "\(name): label sets node_exporter lacks", file: file, line: line)
            XCTAssertEqual(expected.subtracting(labelSets), [], "\(name): label sets we lack", file: file, line: line)
        }
    }

    func testCPU() {
        assertSameSeries("node_cpu_")
        XCTAssertEqual(ours.labelValues("node_cpu_seconds_total", "cpu"), theirs.labelValues("node_cpu_seconds_total", "cpu"))
        XCTAssertEqual(ours.labelValues("node_cpu_seconds_total", "cpu").count, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    func testMeminfo() {
        assertSameSeries("node_memory_")
        XCTAssertEqual(ours.value("node_memory_MemTotal_bytes"), theirs.value("node_memory_MemTotal_bytes"))
        XCTAssertNotNil(ours.value("node_memory_MemTotal_bytes"))
    }

    func testLoadavgStatTimePressureVmstat() throws {
        for prefix in ["node_load", "node_intr_total", "node_context_switches_total", "node_forks_total",
                       "node_boot_time_seconds", "node_procs_", "node_time_", "node_vmstat_"] {
            assertSameSeries(prefix)
        }
        if FileManager.default.fileExists(atPath: "/proc/pressure/cpu") { assertSameSeries("node_pressure_") }
        let boot = try XCTUnwrap(ours.value("node_boot_time_seconds"))
        XCTAssertEqual(boot, try XCTUnwrap(theirs.value("node_boot_time_seconds")), accuracy: 1)
        let now = try XCTUnwrap(ours.value("node_time_seconds"))
        XCTAssertEqual(now, try XCTUnwrap(theirs.value("node_time_seconds")), accuracy: 30, "scraped moments apart")
    }

    func testDiskstats() {
        assertSameSeries("node_disk_")
    }

    func testNetdev() {
        assertSameSeries("node_network_")
    }

    func testFilesystem() throws {
        assertSameSeries("node_filesystem_")
        let root = try XCTUnwrap(ours.first { $0.name == "node_filesystem_size_bytes" && $0.labels["mountpoint"] == "/" })
        XCTAssertEqual(root.value, theirs.value("node_filesystem_size_bytes", root.labels))
    }

    func testScrapeCollectorSeries() {
        assertSameSeries("node_scrape_collector_success")
        XCTAssertTrue(theirs.filter { $0.name == "node_scrape_collector_success" }.allSatisfy { $0.value == 1 })
    }
}
