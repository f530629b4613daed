import Foundation
import NIOCore
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The loki output's refusals (Loki's 400s go to the dead-letter file, never retried) and
/// what it does itself to lines and labels: truncation, drops, the fallback stream, `line: json`.
final class LokiOutputLineTests: XCTestCase {
    private typealias T = LokiOutputTesting

    private func run(_ receiver: LokiStrictReceiver, options: String, batches: [EventBatch],
                     dataDirectory: String? = nil) async throws -> ComponentMetrics {
        let port = try await receiver.start()
        let topology = try await T.topology(self, port: port, options: options, batches: batches, dataDirectory: dataDirectory)
        try await withTimeout(seconds: 30) { await topology.run() }
        return T.metrics(topology)
    }

    /// Events `ids` of one stream, message `m<id>` (or `message(id)`), one batch.
    private func batch(_ ids: [Int], message: (Int) -> String = { "m\($0)" }) -> EventBatch {
        var batch = LogBatch()
        for id in ids {
            let i = batch.append(timestamp: T.epoch + Int64(id) * 1000, message: message(id))
            batch.setField(i, .known(.appname), .bytes(batch.store("app")))
        }
        return .logs(batch)
    }

    private let oneStream = #"labels: { app: "{{ appname }}" }"# + "\nconcurrency: 1"

    /// Loki stores the valid entries of a push and answers 400 for the rest: the push is
    /// dead-lettered with Loki's text, counted, and never sent again.
    func testALineLokiFindsTooLongIsDeadLetteredNotRetried() async throws {
        let receiver = LokiStrictReceiver()
        receiver.maxLineBytes = 100
        let dir = try temporaryDirectory(self).path
        let metrics = try await run(receiver, options: oneStream, batches: [batch(Array(0..<10)) { $0 == 5 ? String(repeating: "x", count: 150) : "m\($0)" }],
                                    dataDirectory: dir)
        XCTAssertEqual(receiver.requests.map(\.status), [400], "one attempt only")
        XCTAssertEqual(receiver.count, 9, "Loki kept the valid rest")
        XCTAssertEqual(T.dropped(metrics, "rejected"), 10)
        XCTAssertEqual(T.errors(metrics, "http_4xx"), 1)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 0)
        let lines = T.deadLetters(dir)
        XCTAssertEqual(lines.count, 11, "a header and the 10 events")
        XCTAssertTrue(lines[0].contains(#""status":400"#), lines[0])
        XCTAssertTrue(lines[0].contains(#"Max entry size '100' bytes exceeded for stream '{app=\"app\"}' while adding an entry with length '150' bytes"#), lines[0])
        XCTAssertTrue(lines[1].contains(#""message":"m0""#), lines[1])
    }

    func testAnEntryOlderThanItsStreamsLastIsAnOutOfOrder400() async throws {
        let receiver = LokiStrictReceiver()
        let dir = try temporaryDirectory(self).path
        let metrics = try await run(receiver, options: oneStream + "\nbatch: { max_events: 10 }",
                                    batches: [batch(Array(10..<20)), batch(Array(0..<5) + Array(20..<25))], dataDirectory: dir)
        XCTAssertEqual(receiver.requests.map(\.status), [204, 400])
        XCTAssertEqual(receiver.streams[#"{app="app"}"#]?.map(\.line), (10..<25).map { "m\($0)" }, "the in-order rest is stored")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 10)
        XCTAssertEqual(T.dropped(metrics, "rejected"), 10)
        let header = try XCTUnwrap(T.deadLetters(dir).first)
        XCTAssertTrue(header.contains(#"ignored, reason: 'entry out of order',\n"#), header)
        XCTAssertTrue(header.contains(#"total ignored: 5 out of 10 for stream: {app=\"app\"}"#), header)
    }

    func testAnEntryTooOldIsA400() async throws {
        let receiver = LokiStrictReceiver()
        receiver.oldestTimestamp = T.epoch + 5000
        let dir = try temporaryDirectory(self).path
        let metrics = try await run(receiver, options: oneStream, batches: [batch(Array(0..<10))], dataDirectory: dir)
        XCTAssertEqual(receiver.requests.map(\.status), [400])
        XCTAssertEqual(receiver.count, 5)
        XCTAssertEqual(T.dropped(metrics, "rejected"), 10)
        XCTAssertTrue(T.deadLetters(dir).first?.contains("has timestamp too old: 2026-11-29 18:00:00.000 +0000 UTC") == true)
    }

    func testLongLinesAreTruncatedAtACharacterAndCounted() async throws {
        let receiver = LokiStrictReceiver()
        let metrics = try await run(receiver, options: oneStream + "\nmax_line_bytes: 101",
                                    batches: [batch([0, 1]) { $0 == 0 ? String(repeating: "é", count: 150) : "short" }])
        XCTAssertEqual(receiver.streams[#"{app="app"}"#]?.map(\.line), [String(repeating: "é", count: 50), "short"],
                       "101 bytes cut back to 100, before the second byte of a character")
        XCTAssertEqual(T.errors(metrics, "truncated"), 1)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
    }

    func testLongLinesAreDroppedAndCounted() async throws {
        let receiver = LokiStrictReceiver()
        let metrics = try await run(receiver, options: oneStream + "\nmax_line_bytes: 100\nline_too_long: drop\nbatch: { max_events: 3 }",
                                    batches: [batch([0, 1, 2]) { $0 == 1 ? String(repeating: "x", count: 101) : "m\($0)" },
                                              batch([3]) { _ in String(repeating: "x", count: 101) }])
        XCTAssertEqual(receiver.streams[#"{app="app"}"#]?.map(\.line), ["m0", "m2"])
        XCTAssertEqual(T.dropped(metrics, "line_too_long"), 2)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
        XCTAssertEqual(receiver.requests.count, 1, "a push of only dropped lines is not sent")
    }

    /// Labels that render empty are left off; none left gives the fallback stream (Loki refuses `{}`).
    func testEmptyLabelsAreLeftOffAndNoLabelsGoesToTheFallbackStream() async throws {
        let receiver = LokiStrictReceiver()
        var batch = LogBatch()
        batch.append(timestamp: T.epoch, message: "bare")
        let i = batch.append(timestamp: T.epoch + 1, message: "tagged")
        batch.setField(i, .known(.appname), .bytes(batch.store(#"we"b\"#)))
        batch.setField(i, FieldName("status"), .int(-404))
        // Not UTF-8: Loki would refuse the push; the byte goes as U+FFFD.
        let j = batch.append(timestamp: T.epoch + 2, message: "latin-1")
        batch.setField(j, .known(.appname), .bytes(([0x63, 0x61, 0x66, 0xE9] as [UInt8]).withUnsafeBytes { batch.store($0) }))
        _ = try await run(receiver, options: #"labels: { app: "{{ appname }}", code: "{{ status }}", host: "{{ hostname }}" }"#,
                          batches: [.logs(batch)])
        XCTAssertEqual(receiver.streams, [
            #"{agent="pipectl"}"#: [.init(timestamp: T.epoch, line: "bare")],
            #"{app="we\"b\\", code="-404"}"#: [.init(timestamp: T.epoch + 1, line: "tagged")],
            "{app=\"caf\u{FFFD}\"}": [.init(timestamp: T.epoch + 2, line: "latin-1")],
        ])
    }

    func testLineJSONSendsTheWholeEvent() async throws {
        let receiver = LokiStrictReceiver()
        let source = batch([7])
        _ = try await run(receiver, options: oneStream + "\nline: json", batches: [source])
        guard case .logs(let logs) = source else { return XCTFail() }
        var expected = ByteBuffer()
        EventEncoder(encoding: .json).encodeLog(logs, 0, into: &expected)
        XCTAssertEqual(receiver.streams[#"{app="app"}"#]?.map(\.line), [String(buffer: expected).trimmingCharacters(in: .newlines)])
    }
}
