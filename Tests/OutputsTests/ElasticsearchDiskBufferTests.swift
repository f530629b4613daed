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

    private static func options(port: Int) -> String {
        """
        url: http://127.0.0.1:\(port)
        batch: { max_events: 40 }
        retry: { initial_backoff: 5ms, max_backoff: 20ms }
        buffer: { type: disk, fsync: always }
        """
    }

    func testEventsRefusedWith503ArriveOnceAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let receiver = StrictElasticsearchReceiver()
        let port = try await receiver.start()
        receiver.script(Array(repeating: .init(status: .serviceUnavailable), count: 100_000))

        let first = try await runOutput(ElasticsearchOutputConfig.componentType, options: Self.options(port: port),
                                        dataDirectory: dataDirectory, batches: T.batches(0..<300)) { metrics in
            storedEvents(metrics) == 300 && metrics.errorCounts.contains { $0.0 == "http_5xx" }
        }
        XCTAssertEqual(first.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(first.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        XCTAssertEqual(receiver.documents.values.map(\.count).reduce(0, +), 0)

        receiver.script([])
        let second = try await runOutput(ElasticsearchOutputConfig.componentType, options: Self.options(port: port),
                                         dataDirectory: dataDirectory, batches: []) { metrics in
            metrics.sentEvents.load(ordering: .relaxed) >= 300 && storedEvents(metrics) == 0
        }
        await receiver.stop()
        XCTAssertEqual(receiver.problems, [])
        let messages = receiver.documents.values.flatMap { $0.values.compactMap { $0["message"] as? String } }
        XCTAssertEqual(messages.sorted(), (0..<300).map { "m\($0)" }.sorted(), "every event once")
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), 300)
    }
}
