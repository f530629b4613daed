import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The syslog output with `buffer: {type: disk}`: the events of a run that could not deliver
/// stay on disk (not dropped) and arrive after a restart; delivered records are released.
final class SyslogOutputDiskBufferTests: XCTestCase {
    private typealias T = SyslogOutputTesting

    private static func topology(dataDirectory: String, port: Int, batches: [EventBatch]) async throws -> Topology {
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [SyslogOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 1s
            inputs:
              src: { type: static }
            outputs:
              out:
                type: syslog
                inputs: [src]
                address: 127.0.0.1:\(port)
                concurrency: 2
                batch: { max_events: 50 }
                request_timeout: 2s
                retry: { initial_backoff: 5ms, max_backoff: 20ms }
                buffer: { type: disk, max_size: 64MiB, fsync: always }
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        return topology
    }

    /// Events not yet released in the buffer left in `dataDirectory`.
    private func pendingEvents(_ dataDirectory: String) throws -> Int {
        let buffer = try DiskBuffer(options: DiskBufferOptions(directory: "\(dataDirectory)/buffers/out", maxBytes: 64 << 20))
        defer { buffer.close() }
        return buffer.stats.events
    }

    func testEventsOfARunThatCouldNotDeliverArriveAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let port = try freeLoopbackPort()

        // Nothing listens: once every event is stored, a shutdown ends the run at shutdown_timeout.
        let firstMetrics = try await withTimeout(seconds: 30) {
            let first = try await Self.topology(dataDirectory: dataDirectory, port: port, batches: T.batches(0..<500))
            let metrics = T.metrics(first)
            let running = Task { await first.run() }
            try await eventually("every event is stored") { metrics.diskBuffer.withLockedValue { $0 }?().events == 500 }
            first.shutdown()
            await running.value
            return metrics
        }
        XCTAssertEqual(firstMetrics.receivedEvents.load(ordering: .relaxed), 500)
        XCTAssertEqual(firstMetrics.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(firstMetrics.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        XCTAssertEqual(try pendingEvents(dataDirectory), 500)

        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        _ = try await receiver.start(port: port)
        let secondMetrics = try await withTimeout(seconds: 30) {
            let second = try await Self.topology(dataDirectory: dataDirectory, port: port, batches: [])
            let running = Task { await second.run() }
            try await eventually("the stored events arrive") { receiver.messages.count >= 500 }
            second.shutdown()
            await running.value
            return T.metrics(second)
        }
        await receiver.kill()
        XCTAssertEqual(receiver.problems, [])
        XCTAssertEqual(Set(receiver.messages.map(T.id)), Set(0..<500), "every event of the first run arrives")
        XCTAssertEqual(receiver.messages.count, 500, "once")
        for message in receiver.messages { XCTAssertEqual(message, T.expected(T.id(message)), "every field as stored") }
        XCTAssertEqual(secondMetrics.sentEvents.load(ordering: .relaxed), 500)
        XCTAssertEqual(try pendingEvents(dataDirectory), 0, "delivered records are released")
    }

    func testDeliveredEventsLeaveNothingBehind() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        let port = try await receiver.start()
        let metrics = try await withTimeout(seconds: 30) {
            let topology = try await Self.topology(dataDirectory: dataDirectory, port: port, batches: T.batches(0..<2000, batchSize: 300))
            let running = Task { await topology.run() }
            try await eventually("every event arrives") { receiver.messages.count >= 2000 }
            topology.shutdown()
            await running.value
            return T.metrics(topology)
        }
        await receiver.kill()
        XCTAssertEqual(receiver.messages.map(T.id).sorted(), Array(0..<2000))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2000)
        XCTAssertEqual(try pendingEvents(dataDirectory), 0)
    }
}
