import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The elasticsearch output with `buffer: {type: disk}`: what a run could not deliver (the
/// receiver answered 503) stays on disk, arrives once after a restart, and is released.
final class ElasticsearchDiskBufferTests: XCTestCase {
    private typealias T = ElasticsearchTesting

    /// Runs `static → elasticsearch(es)` with a disk buffer over `batches` until `done`, then shuts down.
    private static func run(dataDirectory: String, port: Int, batches: [EventBatch],
                            until done: @escaping @Sendable (ComponentMetrics) -> Bool) async throws -> ComponentMetrics {
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [ElasticsearchOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 1s
            inputs:
              src: { type: static }
            outputs:
              es:
                type: elasticsearch
                inputs: [src]
                url: http://127.0.0.1:\(port)
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
            let metrics = topology.telemetry.entries.first { $0.id == "es" }!.metrics
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

    func testEventsRefusedWith503ArriveOnceAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let receiver = StrictElasticsearchReceiver()
        let port = try await receiver.start()
        receiver.script(Array(repeating: .init(status: .serviceUnavailable), count: 100_000))

        let first = try await Self.run(dataDirectory: dataDirectory, port: port, batches: T.batches(0..<300)) { metrics in
            Self.storedEvents(metrics) == 300 && metrics.errorCounts.contains { $0.0 == "http_5xx" }
        }
        XCTAssertEqual(first.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(first.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        XCTAssertEqual(receiver.documents.values.map(\.count).reduce(0, +), 0)

        receiver.script([])
        let second = try await Self.run(dataDirectory: dataDirectory, port: port, batches: []) { metrics in
            metrics.sentEvents.load(ordering: .relaxed) >= 300 && Self.storedEvents(metrics) == 0
        }
        await receiver.stop()
        XCTAssertEqual(receiver.problems, [])
        let messages = receiver.documents.values.flatMap { $0.values.compactMap { $0["message"] as? String } }
        XCTAssertEqual(messages.sorted(), (0..<300).map { "m\($0)" }.sorted(), "every event once")
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), 300)
    }
}
