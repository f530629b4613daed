import Codecs
import Foundation
import NIOCore
@testable import Outputs
import Pipeline
import XCTest

/// The bulk lines byte for byte, the derived ids, and index patterns.
final class ElasticsearchEncoderTests: XCTestCase {
    private let encoder = ElasticsearchEncoder(action: .index, target: try! ElasticsearchIndexPattern.parse("logs-%Y.%m.%d").get(),
                                               documentIDs: true)

    /// Three events: plain, with every kind of field value and escapes, and one with fields
    /// named like the document's own keys (left out).
    private func goldenBatch() -> LogBatch {
        var batch = LogBatch()
        batch.append(timestamp: 1_795_975_200_123_456_789, message: "GET / 200")
        let i = batch.append(timestamp: 1_796_083_199_999_999_999, message: "line \"quoted\"\n\ttabbed é")
        batch.setField(i, .known(.hostname), .bytes(batch.store("web-1")))
        batch.setField(i, .known(.severity), .int(6))
        batch.setField(i, FieldName("ratio"), .double(0.25))
        batch.setField(i, FieldName("ok"), .bool(true))
        batch.setField(i, FieldName("nan"), .double(.nan))
        let j = batch.append(timestamp: 0, message: "")
        batch.setField(j, FieldName("message"), .bytes(batch.store("shadow")))
        batch.setField(j, FieldName("@timestamp"), .bytes(batch.store("shadow")))
        batch.setField(j, FieldName("app"), .bytes(batch.store("api")))
        return batch
    }

    func testGoldenBulkBody() throws {
        let batch = goldenBatch()
        var body = ByteBuffer()
        for i in 0..<batch.count { encoder.encode(batch, i, into: &body) }
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/elasticsearch/bulk.ndjson")
        if ProcessInfo.processInfo.environment["PIPECTL_UPDATE_GOLDEN"] == "1" {
            try Data(body.readableBytesView).write(to: golden)
        }
        XCTAssertEqual(String(buffer: body), try String(contentsOf: golden, encoding: .utf8))
        // Each line is JSON; ids are 22 base64url characters.
        let lines = String(buffer: body).split(separator: "\n").map { StrictElasticsearchReceiver.object(String($0)) }
        XCTAssertTrue(lines.allSatisfy { $0 != nil })
        let ids = stride(from: 0, to: lines.count, by: 2).compactMap { (lines[$0]?["index"] as? [String: Any])?["_id"] as? String }
        XCTAssertEqual(ids.count, 3)
        XCTAssertEqual(Set(ids).count, 3)
        XCTAssertTrue(ids.allSatisfy { $0.utf8.count == 22 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
    }

    /// The id follows the event's timestamp, message and fields, and nothing else.
    func testIDsAreDerivedFromTheEvent() {
        func id(_ time: Int64, _ message: String, _ field: String?) -> String {
            var batch = LogBatch()
            batch.append(timestamp: 1, message: "other")
            let i = batch.append(timestamp: time, message: message)
            if let field { batch.setField(i, FieldName("f"), .bytes(batch.store(field))) }
            // Each at another place in its buffer: the id depends on the event only.
            var body = ByteBuffer(string: String(repeating: "x", count: Int(time % 7) + message.count + (field?.count ?? 3)))
            let start = body.writerIndex
            encoder.encode(batch, i, into: &body)
            body.moveReaderIndex(to: start)
            let action = StrictElasticsearchReceiver.object(String(String(buffer: body).prefix { $0 != "\n" }))
            return (action?["index"] as? [String: Any])?["_id"] as? String ?? ""
        }
        let base = id(1000, "m", "x")
        XCTAssertEqual(id(1000, "m", "x"), base, "same event, same id (whatever else is in the batch)")
        XCTAssertNotEqual(id(1001, "m", "x"), base)
        XCTAssertNotEqual(id(1000, "n", "x"), base)
        XCTAssertNotEqual(id(1000, "m", "y"), base)
        XCTAssertNotEqual(id(1000, "m", nil), base)
    }

    /// The estimate (for `batch.max_bytes`) is close above the encoded size when nothing is escaped.
    func testSizeEstimateIsCloseAboveTheEncodedSize() {
        var batch = LogBatch()
        let i = batch.append(timestamp: 1_795_975_200_000_000_000, message: "hello")
        batch.setField(i, .known(.hostname), .bytes(batch.store("web-1")))
        batch.setField(i, FieldName("n"), .int(7))
        var body = ByteBuffer()
        encoder.encode(batch, i, into: &body)
        let estimate = encoder.estimatedSize(batch, i)
        XCTAssertGreaterThanOrEqual(estimate, body.readableBytes)
        XCTAssertLessThanOrEqual(estimate - body.readableBytes, 20, "only known keys and numbers are estimated loosely")
    }

    func testIndexPatternCodes() throws {
        func name(_ pattern: String, _ nanoseconds: Int64) throws -> String {
            let parsed = try ElasticsearchIndexPattern.parse(pattern).get()
            var buffer = ByteBuffer()
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: parsed.length) { space in
                var w = RawWriter(space)
                parsed.write(nanoseconds: nanoseconds, into: &w)
                return w.count
            }
            XCTAssertEqual(buffer.readableBytes, parsed.length)
            return String(buffer: buffer)
        }
        let t: Int64 = 1_796_083_199_999_999_999  // 2026-11-30T23:59:59.999999999Z, day 334
        XCTAssertEqual(try name("a-%Y.%m.%d-%H-%j-%y-%%", t), "a-2026.11.30-23-334-26-%")
        XCTAssertEqual(try name("x%j", 1_767_225_600_000_000_000), "x001", "2026-01-01")
        XCTAssertEqual(try name("x-%Y.%m.%d", -1), "x-1969.12.31", "before the epoch")
        XCTAssertEqual(try name("fixed", t), "fixed")
    }

    func testIndexPatternProblems() {
        func problem(_ pattern: String) -> String? {
            if case .failure(let invalid) = ElasticsearchIndexPattern.parse(pattern) { return invalid.reason }
            return nil
        }
        XCTAssertEqual(problem("logs-%q"), "has an unknown date code '%q'; allowed: %Y %y %m %d %H %j %%")
        XCTAssertEqual(problem("logs-%"), "ends in a lone '%'; write '%%' for a percent sign")
        XCTAssertEqual(problem("Logs"), "must be lower case")
        XCTAssertEqual(problem("_logs"), "must not start with '_'")
        XCTAssertEqual(problem("a b"), "must not contain space (Elasticsearch index names exclude \\ / * ? \" < > | , # : and space)")
        XCTAssertEqual(problem("a:b"), "must not contain ':' (Elasticsearch index names exclude \\ / * ? \" < > | , # : and space)")
        XCTAssertEqual(problem(".."), "must not be '.' or '..'")
        XCTAssertNil(problem(String(repeating: "a", count: 251) + "%Y"), "255 bytes is the most")
        XCTAssertEqual(problem(String(repeating: "a", count: 252) + "%Y"), "gives names of 256 bytes; Elasticsearch allows at most 255")
        XCTAssertNil(problem("logs-%Y.%m.%d"))
    }

    /// The benchmark entry point makes the output's requests: batched by `max_events`, gzip-compressed.
    func testBulkBuilderMakesTheOutputsRequests() throws {
        var builder = ElasticsearchBulkBuilder(index: "logs-%Y.%m.%d", limits: DeliveryBatchLimits(maxEvents: 2, maxBytes: 1 << 20, timeout: .seconds(1)))
        let batch = goldenBatch()
        var bodies = builder.requests(batch)
        XCTAssertEqual(bodies.count, 1)
        bodies += try [XCTUnwrap(builder.flush())]
        XCTAssertNil(builder.flush())
        let text = bodies.map { Gzip.decompress($0).map { String(buffer: $0) } ?? "not gzip" }.joined()
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/elasticsearch/bulk.ndjson")
        XCTAssertEqual(text, try String(contentsOf: golden, encoding: .utf8))
    }
}
