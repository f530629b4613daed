import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The output end to end against the strict `_bulk` receiver.
final class ElasticsearchOutputTests: XCTestCase {
    private typealias T = ElasticsearchTesting
    private var receiver: StrictElasticsearchReceiver!
    private var url = ""

    override func setUp() async throws {
        receiver = StrictElasticsearchReceiver()
        url = "http://127.0.0.1:\(try await receiver.start())"
    }

    override func tearDown() async throws {
        await receiver.stop()
    }

    /// Every document's message in `index`, sorted by id number.
    private func messages(in index: String) -> [String] {
        (receiver.documents[index] ?? [:]).values.compactMap { $0["message"] as? String }
            .sorted { Int($0.dropFirst())! < Int($1.dropFirst())! }
    }

    func testEveryEventArrivesOnceGzippedWithItsFields() async throws {
        let run = try await T.run(self, url: url, options: "batch: { max_events: 100 }", batches: T.batches(0..<1000))
        XCTAssertEqual(receiver.problems, [])
        XCTAssertEqual(Array(receiver.documents.keys), ["pipectl-2026.11.29"])
        XCTAssertEqual(messages(in: "pipectl-2026.11.29"), (0..<1000).map { "m\($0)" })
        let document = try XCTUnwrap(receiver.documents["pipectl-2026.11.29"]?.values.first { $0["message"] as? String == "m7" })
        XCTAssertEqual(document["@timestamp"] as? String, "2026-11-29T18:00:00.000007000Z")
        XCTAssertEqual(document["hostname"] as? String, "web-1")
        XCTAssertEqual(document["procid"] as? Int, 7)
        XCTAssertEqual(document["status"] as? Int, 200)
        XCTAssertEqual(document["path"] as? String, "/a \"b\"")
        let requests = receiver.requests
        XCTAssertEqual(requests.count, 10)
        XCTAssertTrue(requests.allSatisfy { $0.headers["Content-Encoding"] == ["gzip"] && $0.actions.allSatisfy { $0 == "index" } })
        XCTAssertEqual(requests[0].query, ["filter_path": "errors,items.*.status,items.*.error"])
        XCTAssertEqual(run.sent, 1000)
        XCTAssertEqual(run.metrics.errorCounts.map(\.0), [])
        XCTAssertEqual(run.metrics.dropCounts.map(\.1).reduce(0, +), 0)
    }

    /// Items answered 429 and 503 go again (and only they); the 400 item is dead-lettered
    /// with its error; 409 on `index` is no success; counters count items.
    func testOnlyRetryableItemsAreSentAgainAndRefusedOnesDeadLettered() async throws {
        receiver.failDocument(message: "m3", with: [429])
        receiver.failDocument(message: "m5", with: [503, 429])
        receiver.failDocument(message: "m7", with: [400])
        let run = try await T.run(self, url: url, options: "concurrency: 1\nretry: { initial_backoff: 10ms }",
                                  batches: T.batches(0..<10))
        XCTAssertEqual(receiver.requests.map(\.messages), [(0..<10).map { "m\($0)" }, ["m3", "m5"], ["m5"]])
        XCTAssertEqual(messages(in: "pipectl-2026.11.29"), ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m8", "m9"])
        XCTAssertEqual(run.sent, 9)
        XCTAssertEqual(run.dropped("rejected"), 1)
        XCTAssertEqual(run.errors("item_retry"), 3, "m3 and m5, then m5 again")
        XCTAssertEqual(run.errors("item_4xx"), 1)
        XCTAssertEqual(run.metrics.retries.load(ordering: .relaxed), 2)
        let records = try run.deadLetters()
        XCTAssertEqual(records.map(\.messages), [["m7"]])
        let header = try XCTUnwrap(records.first?.header)
        XCTAssertEqual(header["status"] as? Int, 400)
        XCTAssertEqual(header["reason"] as? String,
                       "elasticsearch(es): item 400 from \(url)/_bulk: "
                           + "mapper_parsing_exception: failed to parse field [message] of type [long]")
        let response = try XCTUnwrap(StrictElasticsearchReceiver.object(try XCTUnwrap(header["response"] as? String)))
        XCTAssertEqual(response["type"] as? String, "mapper_parsing_exception", "the item's error object")
        XCTAssertFalse(run.metrics.failing.load(ordering: .relaxed))
    }

    /// The answer is lost after indexing (503 after storing): the retry carries the same ids,
    /// so nothing is indexed twice; a whole-request 503 is retried.
    func testRetriesAfterALostAnswerNeverDuplicate() async throws {
        receiver.script([.init(status: .serviceUnavailable, body: "overloaded", afterStoring: true),
                         .init(status: .serviceUnavailable, body: "overloaded")])
        let run = try await T.run(self, url: url, options: "concurrency: 1\nretry: { initial_backoff: 10ms }",
                                  batches: T.batches(0..<50))
        let requests = receiver.requests
        XCTAssertEqual(requests.map(\.status), [503, 503, 200])
        XCTAssertEqual(requests[0].lines, requests[2].lines, "the same lines, ids included")
        XCTAssertEqual(receiver.documents["pipectl-2026.11.29"]?.count, 50, "each event stored once")
        XCTAssertEqual(run.sent, 50)
        XCTAssertEqual(run.errors("http_5xx"), 2)
    }

    /// Data streams take `create` with `@timestamp`; after a lost answer the retry's items
    /// are 409 (already there), which counts as delivered.
    func testDataStreamUsesCreateAndCounts409AsDelivered() async throws {
        receiver.script([.init(status: .serviceUnavailable, afterStoring: true)])
        let run = try await T.run(self, url: url, options: "mode: data_stream\nconcurrency: 1\nretry: { initial_backoff: 10ms }",
                                  batches: T.batches(0..<20))
        XCTAssertEqual(receiver.problems, [])
        XCTAssertEqual(receiver.requests.map(\.status), [503, 200])
        XCTAssertTrue(receiver.requests.allSatisfy { $0.actions == Array(repeating: "create", count: 20) })
        XCTAssertEqual(messages(in: "logs-pipectl-default"), (0..<20).map { "m\($0)" })
        XCTAssertEqual(run.sent, 20)
        XCTAssertEqual(run.dropped("rejected"), 0)
        XCTAssertEqual(run.errors("item_4xx"), 0)
    }

    /// `index: app-%Y.%m.%d-%H` from each event's own timestamp, in UTC, across midnight.
    /// (Not `logs-…-…`: Elasticsearch's built-in `logs-*-*` template would make that a data stream.)
    func testDatePatternIndicesFollowEventTimestampsInUTC() async throws {
        let midnight: Int64 = 1_796_083_200_000_000_000  // 2026-12-01T00:00:00Z
        let run = try await T.run(self, url: url, options: "index: \"app-%Y.%m.%d-%H\"", batches: T.batches(0..<4) {
            midnight + Int64($0 - 2) * 1000  // two events a few µs before midnight, two at and after it
        })
        XCTAssertEqual(messages(in: "app-2026.11.30-23"), ["m0", "m1"])
        XCTAssertEqual(messages(in: "app-2026.12.01-00"), ["m2", "m3"])
        XCTAssertEqual(run.sent, 4)
    }

    func test413SplitsTheRequestUntilItFits() async throws {
        receiver.maxUncompressedBytes = 3000
        let run = try await T.run(self, url: url, options: "concurrency: 1", batches: T.batches(0..<40))
        XCTAssertEqual(messages(in: "pipectl-2026.11.29"), (0..<40).map { "m\($0)" })
        XCTAssertEqual(receiver.requests.first?.status, 413)
        XCTAssertEqual(run.sent, 40)
        XCTAssertEqual(run.dropped("rejected"), 0)
    }

    func testPipelineBasicAuthAndUncompressedBodies() async throws {
        receiver.requiredAuthorization = "Basic " + Data("elastic:s3cret".utf8).base64EncodedString()
        let run = try await T.run(self, url: url + "/", options: """
            pipeline: "logs parse"
            compression: none
            auth: { user: elastic, password: s3cret }
            """, batches: T.batches(0..<5))
        XCTAssertEqual(run.sent, 5)
        XCTAssertEqual(receiver.requests.first?.query["pipeline"], "logs parse")
        XCTAssertEqual(receiver.requests.first?.headers["Content-Encoding"], [])
    }

    func testApiKeyAuthAndA401IsRejected() async throws {
        receiver.requiredAuthorization = "ApiKey a2V5OnNlY3JldA=="
        let good = try await T.run(self, url: url, options: "auth: { api_key: a2V5OnNlY3JldA== }", batches: T.batches(0..<3))
        XCTAssertEqual(good.sent, 3)
        let bad = try await T.run(self, url: url, options: "auth: { api_key: wrong }", batches: T.batches(3..<6))
        XCTAssertEqual(bad.sent, 0)
        XCTAssertEqual(bad.dropped("rejected"), 3)
        XCTAssertEqual(try bad.deadLetters().first?.header["status"] as? Int, 401)
        XCTAssertFalse(try String(contentsOfFile: "\(bad.dataDirectory)/dead_letter/es.ndjson", encoding: .utf8).contains("wrong"),
                       "the key is in no dead letter")
    }

    /// `document_id: auto` sends no `_id`: Elasticsearch makes them.
    func testAutoIDsLeaveTheIDToElasticsearch() async throws {
        let run = try await T.run(self, url: url, options: "document_id: auto", batches: T.batches(0..<3))
        XCTAssertEqual(run.sent, 3)
        let action = try XCTUnwrap(StrictElasticsearchReceiver.object(try XCTUnwrap(receiver.requests.first?.lines.first)))
        XCTAssertEqual(Array((action["index"] as? [String: Any] ?? [:]).keys), ["_index"])
    }
}
