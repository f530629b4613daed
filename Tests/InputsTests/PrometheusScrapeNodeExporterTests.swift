import Foundation
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// Scrapes a real prometheus node_exporter, started on a free loopback port and stopped by its PID.
final class PrometheusScrapeNodeExporterTests: XCTestCase {
    static let executable = "/usr/bin/prometheus-node-exporter"

    func testScrapesNodeExporter() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw XCTSkip("node_exporter is not installed at \(Self.executable) (apt-get install prometheus-node-exporter)")
        }
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults",
                             "--collector.cpu", "--collector.loadavg", "--collector.meminfo", "--collector.netdev"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        defer {
            kill(pid, SIGTERM)
            process.waitUntilExit()
        }
        try await eventually(timeout: 20, "node_exporter answering on \(port)") {
            (try? HTTPTestClient.request(port: port, "/metrics", timeoutSeconds: 2).status) == 200
        }

        let pipeline = try await RunningPipeline.scrape("job: node, targets: [\"127.0.0.1:\(port)\"], interval: 300ms")
        try await eventually { pipeline.scrapes.count >= 2 }
        let scrapes = pipeline.scrapes
        let malformed = pipeline.metrics("scrape").errorCounter("malformed_line").load(ordering: .relaxed)
        try await pipeline.stop()

        let first = scrapes[0]
        XCTAssertEqual(first.value("up"), 1)
        XCTAssertEqual(malformed, 0)
        let scraped = try XCTUnwrap(first.value("scrape_samples_scraped"))
        XCTAssertEqual(Int(scraped), first.count - 4, "every exposed sample is emitted, then the 4 scrape series")
        let cpu = try XCTUnwrap(first.first { $0.name == "node_cpu_seconds_total" && $0.labels["mode"] == "idle" })
        XCTAssertEqual(cpu.kind, .counter)
        XCTAssertEqual(cpu.labels["job"], "node")
        XCTAssertEqual(cpu.labels["instance"], "127.0.0.1:\(port)")
        XCTAssertNotNil(cpu.labels["cpu"])
        XCTAssertEqual(first.first { $0.name == "node_load1" }?.kind, .gauge)
        XCTAssertEqual(first.first { $0.name == "go_gc_duration_seconds_sum" }?.kind, .summary)
        XCTAssertGreaterThan(first.value("node_memory_MemTotal_bytes") ?? 0, 0)
        XCTAssertFalse(scrapes[1].contains(where: \.isStale), "the same series again: nothing is stale")
    }
}
