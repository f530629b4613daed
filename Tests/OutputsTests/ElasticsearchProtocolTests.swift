import NIOCore
@testable import Outputs
import Pipeline
import XCTest

/// Reading `_bulk` answers: whole, filtered, cut short, or no bulk answer at all.
final class ElasticsearchProtocolTests: XCTestCase {
    private let wire = ElasticsearchProtocol(classifier: DeliveryHTTPClassifier(name: "elasticsearch(es)", endpoint: "http://es/_bulk"))

    /// A payload of `count` events.
    private func payload(_ count: Int) -> ElasticsearchPayload {
        var batch = LogBatch()
        for i in 0..<count { batch.append(timestamp: Int64(i), message: "m\(i)") }
        var shard = ElasticsearchShard(encoder: ElasticsearchEncoder(action: .create, target: try! ElasticsearchIndexPattern.parse("x").get(),
                                                                      documentIDs: true), holdsAcknowledgements: false)
        for i in 0..<count { shard.append(i, of: batch, sourceID: 0, key: 0) }
        return shard.take()
    }

    private func classify(_ body: String, items count: Int, status: Int = 200) -> DeliveryOutcome<Never> {
        wire.classify(.response(DeliveryHTTPResponse(status: status, body: ByteBuffer(string: body))), of: payload(count))
    }

    func testErrorsFalseIsDeliveredWithoutReadingItems() {
        XCTAssertEqual(classify(#"{"errors":false,"items":[{"index":{"status":201}}, garbage"#, items: 5), .delivered)
        XCTAssertEqual(classify(#"{"took":30,"errors":false,"items":[]}"#, items: 1), .delivered)
    }

    /// The full answer (no filter_path), with nested objects and escaped strings to skip.
    func testFullAnswerIsReadPerItem() throws {
        let body = """
            {"took":486,"errors":true,"items":[
             {"create":{"_index":"x","_id":"a\\"}","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"status":201}},
             {"create":{"_index":"x","_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[b]: version conflict"}}},
             {"create":{"_index":"x","_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}},
             {"create":{"_index":"x","_id":"d","status":400,"error":{"type":"document_parsing_exception","reason":"[1:2] failed",
                "caused_by":{"type":"x_content_parse_exception","reason":"bad [n]"}}}},
             {"create":{"_index":"x","_id":"e","error":{"type":"unavailable_shards_exception","reason":"no primary","list":[1,-2.5e3,null,true]},"status":503}}
            ]}
            """
        guard case .partial(let outcomes) = classify(body, items: 5) else { return XCTFail("\(classify(body, items: 5))") }
        XCTAssertEqual(outcomes.retry, [2, 4])
        XCTAssertEqual(outcomes.retryFailure?.kind, "item_retry")
        XCTAssertEqual(outcomes.retryFailure?.description,
                       "elasticsearch(es): item 429 from http://es/_bulk: es_rejected_execution_exception: rejected")
        XCTAssertEqual(outcomes.rejected.map(\.item), [3])
        let refused = try XCTUnwrap(outcomes.rejected.first?.failure)
        XCTAssertEqual(refused.kind, "item_4xx")
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.description,
                       "elasticsearch(es): item 400 from http://es/_bulk: document_parsing_exception: [1:2] failed (bad [n])")
        XCTAssertTrue(String(buffer: refused.response).hasPrefix(#"{"type":"document_parsing_exception""#))
    }

    /// With filter_path; 409 on `index` (not create) is refused.
    func testFilteredAnswerAnd409OnIndex() {
        let body = #"{"errors":true,"items":[{"index":{"status":200}},{"index":{"error":{"type":"version_conflict_engine_exception","reason":"v"},"status":409}}]}"#
        guard case .partial(let outcomes) = classify(body, items: 2) else { return XCTFail() }
        XCTAssertEqual(outcomes.retry, [])
        XCTAssertEqual(outcomes.rejected.map(\.item), [1])
    }

    /// Items the answer did not reach (cut at `maxResponseBody`) are sent again.
    func testACutShortAnswerRetriesTheItemsItMissed() {
        let body = #"{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":400,"error":{"type":"t","reason":"r"}}},{"create":{"sta"#
        guard case .partial(let outcomes) = classify(body, items: 4) else { return XCTFail() }
        XCTAssertEqual(outcomes.rejected.map(\.item), [1])
        XCTAssertEqual(outcomes.retry, [2, 3])
        XCTAssertEqual(outcomes.retryFailure?.description, "elasticsearch(es): the answer from http://es/_bulk was cut short after 2 items")
    }

    func testAnAnswerThatIsNoBulkAnswerRetriesTheWholeRequest() {
        for body in ["OK", #"{"errors":true,"items":[]}"#, #"{"acknowledged":true}"#,
                     #"{"errors":true,"items":[{"index":{"status":201}},{"index":{"status":201}}]}"#] {
            guard case .retry(let after, let failure) = classify(body, items: 1) else { return XCTFail(body) }
            XCTAssertNil(after)
            XCTAssertEqual(failure.kind, "bad_response", body)
        }
    }

    func testOtherStatusesFollowTheHTTPTable() {
        guard case .retry(_, let failure) = classify("", items: 2, status: 503) else { return XCTFail() }
        XCTAssertEqual(failure.kind, "http_5xx")
        guard case .split = classify("", items: 2, status: 413) else { return XCTFail() }
        guard case .reject = classify(#"{"error":{}}"#, items: 2, status: 400) else { return XCTFail() }
    }

    /// A subset is the items' lines as they were (ids kept), not encoded again.
    func testSubsetKeepsTheEncodedLines() {
        let whole = payload(4)
        let part = whole.subset([1, 3])
        XCTAssertEqual(part.eventCount, 2)
        XCTAssertEqual(String(buffer: part.lines), String(buffer: whole.item(1)) + String(buffer: whole.item(3)))
        XCTAssertEqual(part.entries.map(\.index), [1, 3])
        let compressed = whole.compressed(by: ElasticsearchCompressor())
        XCTAssertEqual(compressed.body.getBytes(at: compressed.body.readerIndex, length: 2), [0x1F, 0x8B], "gzip magic")
        XCTAssertEqual(compressed.size, whole.size, "size is the uncompressed NDJSON")
        XCTAssertEqual(compressed.subset([0]).body.getBytes(at: 0, length: 2), [0x1F, 0x8B], "subsets are compressed too")
    }
}
