import Foundation
import NIOConcurrencyHelpers
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Batching per stream: one payload per stream, sorted, within the count, byte and 24-hour
/// limits; events CloudWatch would refuse dead-lettered before sending.
final class CloudWatchLogsShardsTests: XCTestCase {
    /// The wall clock of these tests: 2026-11-29T18:00:00Z.
    private static let now: Int64 = 1_795_975_200_000_000_000
    private let minute: Int64 = 60_000_000_000
    private var dataDirectory = ""
    private var metrics = ComponentMetrics(id: "out")
    private let logs = LogCapture()

    override func setUp() async throws {
        dataDirectory = try temporaryDirectory(self).path
        metrics = ComponentMetrics(id: "out")
    }

    private func payloads(_ events: [(Int64, String, String)],
                          limits: DeliveryBatchLimits = .init(maxEvents: 10_000, maxBytes: 1_048_576, timeout: .seconds(1))) async -> [CloudWatchLogsPayload] {
        await submitted(events, limits: limits).map(\.payload)
    }

    /// Events (timestamp offset from now, stream, message) in one batch, through shards with
    /// `limits`; the payloads submitted, in order, with their lanes.
    private func submitted(_ events: [(Int64, String, String)], limits: DeliveryBatchLimits,
                           concurrency: Int = 1) async -> [(payload: CloudWatchLogsPayload, lane: Int)] {
        var batch = LogBatch()
        for (offset, stream, message) in events {
            let i = batch.append(timestamp: Self.now + offset, message: message)
            batch.setField(i, .known(.hostname), .bytes(batch.store(stream)))
        }
        let submitted = NIOLockedValueBox<[(payload: CloudWatchLogsPayload, lane: Int)]>([])
        let refused = CloudWatchLogsDeadLetters(name: "cloudwatch_logs(out)", endpoint: "http://logs.test",
                                                deadLetter: DeliveryDeadLetter(dataDirectory: dataDirectory, output: "out"),
                                                metrics: metrics, log: RateLimitedLogger(logger: logs.logger(), burst: 100))
        var shards = CloudWatchLogsShards(
            count: concurrency, limits: limits,
            streamKey: CloudWatchLogsStreamKey(group: FieldTemplate.parse("g").template!, stream: FieldTemplate.parse("{{hostname}}").template!),
            encoder: CloudWatchLogsEncoder(), refused: refused, wallClock: { Self.now }) { payloads, lane in
            submitted.withLockedValue { $0 += payloads.map { ($0, lane) } }
        }
        await shards.add(batch, now: .now)
        await shards.flushAll()
        return submitted.withLockedValue { $0 }
    }

    private func messages(_ payload: CloudWatchLogsPayload) -> [String] {
        (0..<payload.eventCount).map { payload.batches[Int(payload.entries[$0].batch)].message(Int(payload.entries[$0].index)) }
    }

    /// One payload per stream, each sorted by timestamp; events of one instant keep their order.
    func testOnePayloadPerStreamSortedStably() async {
        let out = await payloads([(3, "a", "a3"), (1, "b", "b1"), (1, "a", "a1-first"), (2, "a", "a2"), (1, "a", "a1-second"), (0, "b", "b0")])
        XCTAssertEqual(out.map(\.streamName), ["a", "b"])
        XCTAssertEqual(out.map(messages), [["a1-first", "a1-second", "a2", "a3"], ["b0", "b1"]])
        XCTAssertEqual(out.map(\.groupName), ["g", "g"])
    }

    func testSplitsByEventCount() async {
        let out = await payloads((0..<7).map { (Int64($0), "a", "m\($0)") }, limits: .init(maxEvents: 3, maxBytes: 1_048_576, timeout: .seconds(1)))
        XCTAssertEqual(out.map(\.eventCount), [3, 3, 1])
        XCTAssertEqual(out.flatMap(messages), (0..<7).map { "m\($0)" })
    }

    /// Sizes count as CloudWatch counts them: 4-byte messages + 26 = 30 per event; 100 bytes hold 3.
    func testSplitsByBytesAsCloudWatchCountsThem() async {
        let out = await payloads((0..<7).map { (Int64($0), "a", "m\($0)xx") }, limits: .init(maxEvents: 100, maxBytes: 100, timeout: .seconds(1)))
        XCTAssertEqual(out.map(\.eventCount), [3, 3, 1])
        XCTAssertEqual(out.map(\.size), [90, 90, 30])
    }

    /// A flush whose events span 24 hours or more is cut: each request spans less.
    func testCutsRequestsAtA24HourSpan() async {
        let hour = 60 * minute
        let out = await payloads([(-13 * 24 * hour, "a", "old"), (-13 * 24 * hour + 24 * hour - 1_000_000, "a", "just-inside"),
                                  (-12 * 24 * hour, "a", "a-day-later"), (-1 * hour, "a", "recent")])
        XCTAssertEqual(out.map(messages), [["old", "just-inside"], ["a-day-later"], ["recent"]])
    }

    /// Too old, too new, empty: dead-lettered with the reason before any request; the rest go.
    func testEventsCloudWatchWouldRefuseAreDeadLetteredBeforeSending() async throws {
        let day = 24 * 60 * minute
        let out = await payloads([(-14 * day - 1_000_000, "a", "too-old"), (-14 * day + minute, "a", "old-enough"),
                                  (2 * 60 * minute + 1_000_000, "a", "too-new"), (0, "a", ""), (0, "", "no-stream"), (0, "a", "ok")])
        XCTAssertEqual(out.map(messages), [["old-enough"], ["ok"]], "the two span more than 24 hours")
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["rejected=4"])
        XCTAssertEqual(metrics.errorCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["empty=1", "empty_name=1", "too_new=1", "too_old=1"])
        let lines = try String(contentsOfFile: "\(dataDirectory)/dead_letter/out.ndjson", encoding: .utf8).split(separator: "\n")
        let headers = lines.filter { $0.contains("\"dead_letter\"") }
        XCTAssertEqual(headers.count, 4)
        XCTAssertTrue(headers[0].contains("1 events more than 14 days old"), String(headers[0]))
        XCTAssertTrue(lines.contains { $0.contains("\"message\":\"too-old\"") })
        XCTAssertTrue(lines.contains { $0.contains("\"message\":\"too-new\"") })
        XCTAssertEqual(logs.messages.count, 4)
    }

    /// Lanes are keyed by stream: with 4 lanes, each stream's events stay on one lane.
    func testAStreamKeepsToOneLane() async {
        let streams = (0..<20).map { "s\($0)" }
        let out = await submitted((0..<200).map { (Int64($0), streams[$0 % 20], "m\($0)") },
                                  limits: .init(maxEvents: 30, maxBytes: 1_048_576, timeout: .seconds(1)), concurrency: 4)
        var lanes: [String: Set<Int>] = [:]
        for (payload, lane) in out { lanes[payload.streamName, default: []].insert(lane) }
        XCTAssertEqual(Set(lanes.keys), Set(streams))
        XCTAssertTrue(lanes.values.allSatisfy { $0.count == 1 }, "\(lanes)")
        XCTAssertEqual(Set(lanes.values.flatMap { $0 }).count, 4, "the streams spread over every lane")
        for stream in streams {
            let ids = out.filter { $0.payload.streamName == stream }.flatMap { messages($0.payload) }.map { Int($0.dropFirst())! }
            XCTAssertEqual(ids, ids.sorted(), stream)
        }
    }
}
