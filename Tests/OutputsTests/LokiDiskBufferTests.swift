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

    private static func options(port: Int) -> String {
        """
        url: "http://127.0.0.1:\(port)"
        \(T.labels)
        concurrency: 2
        batch: { max_events: 40 }
        retry: { initial_backoff: 5ms, max_backoff: 20ms }
        buffer: { type: disk, fsync: always }
        """
    }

    func testPushesRefusedWith503ArriveInOrderAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let receiver = LokiStrictReceiver()
        let port = try await receiver.start()
        receiver.script(Array(repeating: .init(status: .serviceUnavailable), count: 100_000))

        let first = try await runOutput(LokiOutputConfig.componentType, options: Self.options(port: port),
                                        dataDirectory: dataDirectory, batches: T.batches(0..<300)) { metrics in
            storedEvents(metrics) == 300 && metrics.errorCounts.contains { $0.0 == "http_5xx" }
        }
        XCTAssertEqual(first.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(first.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        XCTAssertEqual(receiver.count, 0)

        receiver.script([])
        let second = try await runOutput(LokiOutputConfig.componentType, options: Self.options(port: port),
                                         dataDirectory: dataDirectory, batches: []) { metrics in
            metrics.sentEvents.load(ordering: .relaxed) >= 300 && storedEvents(metrics) == 0
        }
        await receiver.stop()
        XCTAssertEqual(receiver.streams, T.expected(0..<300), "every entry once, each stream in order")
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), 300)
    }
}
