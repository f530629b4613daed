import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The loki output with `buffer: {type: disk}`: what a run could not push (Loki answered 503)
/// stays on disk and arrives after a restart, each stream in order, once; then it is released.
final class LokiDiskBufferTests: XCTestCase {
    private typealias T = LokiOutputTesting

    /// Runs `static → loki(out)` with a disk buffer over `batches` until `done`, then shuts down.
    private static func run(dataDirectory: String, port: Int, batches: [EventBatch],
                            until done: @escaping @Sendable (ComponentMetrics) -> Bool) async throws -> ComponentMetrics {
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [LokiOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 1s
            inputs:
              src: { type: static }
            outputs:
              out:
                type: loki
                inputs: [src]
                url: "http://127.0.0.1:\(port)"
                \(T.labels)
                concurrency: 2
                batch: { max_events: 40 }
                retry: { initial_backoff: 5ms, max_backoff: 20ms }
                buffer: { type: disk, fsync: always }
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        return try await withTimeout(seconds: 30) {
            let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await topology.prepare()
            let metrics = topology.telemetry.entries.first { $0.id == "out" }!.metrics
            let running = Task { await topology.run() }
            try await eventually { done(metrics) }
            topology.shutdown()
            await running.value
            return metrics
        }
    }

    private static func storedEvents(_ metrics: ComponentMetrics) -> Int? {
        metrics.diskBuffer.withLockedValue { $0 }?().events
    }

    func testPushesRefusedWith503ArriveInOrderAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let receiver = LokiStrictReceiver()
        let port = try await receiver.start()
        receiver.script(Array(repeating: .init(status: .serviceUnavailable), count: 100_000))

        let first = try await Self.run(dataDirectory: dataDirectory, port: port, batches: T.batches(0..<300)) { metrics in
            Self.storedEvents(metrics) == 300 && metrics.errorCounts.contains { $0.0 == "http_5xx" }
        }
        XCTAssertEqual(first.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(first.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        XCTAssertEqual(receiver.count, 0)

        receiver.script([])
        let second = try await Self.run(dataDirectory: dataDirectory, port: port, batches: []) { metrics in
            metrics.sentEvents.load(ordering: .relaxed) >= 300 && Self.storedEvents(metrics) == 0
        }
        await receiver.stop()
        XCTAssertEqual(receiver.streams, T.expected(0..<300), "every entry once, each stream in order")
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), 300)
    }
}
