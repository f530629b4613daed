import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The syslog output with `buffer: {type: disk}`: the events of a run that could not deliver
/// stay on disk (not dropped) and arrive after a restart; delivered records are released.
final class SyslogOutputDiskBufferTests: XCTestCase {
    private typealias T = SyslogOutputTesting

    private static func options(port: Int) -> String {
        """
        address: 127.0.0.1:\(port)
        concurrency: 2
        batch: { max_events: 50 }
        request_timeout: 2s
        retry: { initial_backoff: 5ms, max_backoff: 20ms }
        buffer: { type: disk, max_size: 64MiB, fsync: always }
        """
    }

    /// Events not yet released in the buffer left in `dataDirectory` (the output has stopped).
    private func pendingEvents(_ dataDirectory: String) throws -> Int {
        let buffer = try DiskBuffer(options: DiskBufferOptions(directory: "\(dataDirectory)/buffers/out", maxBytes: 64 << 20))
        defer { buffer.close() }
        return buffer.stats.events
    }

    func testEventsOfARunThatCouldNotDeliverArriveAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let port = try freeLoopbackPort()

        // Nothing listens: once every event is stored, a shutdown ends the run at shutdown_timeout.
        let first = try await runOutput(SyslogOutputConfig.componentType, options: Self.options(port: port),
                                        dataDirectory: dataDirectory, batches: T.batches(0..<500)) { storedEvents($0) == 500 }
        XCTAssertEqual(first.receivedEvents.load(ordering: .relaxed), 500)
        XCTAssertEqual(first.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(first.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        XCTAssertEqual(try pendingEvents(dataDirectory), 500)

        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        _ = try await receiver.start(port: port)
        let second = try await runOutput(SyslogOutputConfig.componentType, options: Self.options(port: port),
                                         dataDirectory: dataDirectory, batches: []) { _ in receiver.messages.count >= 500 }
        await receiver.kill()
        XCTAssertEqual(receiver.problems, [])
        XCTAssertEqual(Set(receiver.messages.map(T.id)), Set(0..<500), "every event of the first run arrives")
        XCTAssertEqual(receiver.messages.count, 500, "once")
        for message in receiver.messages { XCTAssertEqual(message, T.expected(T.id(message)), "every field as stored") }
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), 500)
        XCTAssertEqual(try pendingEvents(dataDirectory), 0, "delivered records are released")
    }

    func testDeliveredEventsLeaveNothingBehind() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        let port = try await receiver.start()
        let metrics = try await runOutput(SyslogOutputConfig.componentType, options: Self.options(port: port),
                                          dataDirectory: dataDirectory, batches: T.batches(0..<2000, batchSize: 300)) { _ in
            receiver.messages.count >= 2000
        }
        await receiver.kill()
        XCTAssertEqual(receiver.messages.map(T.id).sorted(), Array(0..<2000))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2000)
        XCTAssertEqual(try pendingEvents(dataDirectory), 0)
    }
}
