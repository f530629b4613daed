import Codecs
import Foundation
import NIOCore
import XCTest

final class OTLPSpanReaderTests: XCTestCase {
    private func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
    private func hex(_ bytes: UnsafeRawBufferPointer) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Calls `body` with each span of a request.
    private func forEachSpan(_ body: [UInt8], _ visit: (OTLPSpanView) throws -> Void) throws {
        try body.withUnsafeBytes { raw in try OTLPSpanReader.forEachSpan(raw, visit) }
    }

    /// The NDJSON `OTLPSpanLines` writes for a request.
    private func lines(_ body: [UInt8], after prefix: String = "") -> String {
        var out = ByteBuffer(string: prefix)
        body.withUnsafeBytes { OTLPSpanLines.write($0, into: &out) }
        return String(buffer: out)
    }

    // MARK: Reader

    func testWalksEverySpanWithItsResourceAndScope() throws {
        var seen: [String] = []
        try forEachSpan(OTLPTraceGolden.bytes(OTLPTraceGolden.multi)) { span in
            seen.append("\(text(span.serviceName))/\(text(span.bytes(span.scopeName)))/\(text(span.bytes(span.name)))")
        }
        XCTAssertEqual(seen, ["checkout/a/op1", "checkout/a/op2", "checkout/b/op3", "//op4", "//op5", "//op6"])
    }

    func testSpanViewValues() throws {
        var count = 0
        try forEachSpan(OTLPTraceGolden.bytes(OTLPTraceGolden.rich)) { span in
            count += 1
            XCTAssertEqual(text(span.serviceName), "cart")
            XCTAssertEqual(text(span.bytes(span.scopeName)), "io.opentelemetry.http")
            XCTAssertEqual(text(span.bytes(span.scopeVersion)), "1.2.0")
            XCTAssertEqual(hex(span.bytes(span.traceID)), "5b8efff798038103d269b633813fc60c")
            XCTAssertEqual(hex(span.bytes(span.spanID)), "eee19b7ec3c1b174")
            XCTAssertEqual(hex(span.bytes(span.parentSpanID)), "eee19b7ec3c1b173")
            XCTAssertEqual(text(span.bytes(span.traceState)), "k=v")
            XCTAssertEqual(text(span.bytes(span.name)), "GET /cart")
            XCTAssertEqual(span.kind, 2)
            XCTAssertEqual(span.startTimeUnixNano, 1_714_564_800_123_456_789)
            XCTAssertEqual(span.endTimeUnixNano, 1_714_564_800_124_956_789)
            XCTAssertEqual(span.flags, 0x301)
            XCTAssertEqual(span.statusCode, 2)
            XCTAssertEqual(text(span.bytes(span.statusMessage)), "upstream failed")
            XCTAssertEqual(span.eventCount, 1)
            XCTAssertEqual(span.linkCount, 1)
        }
        XCTAssertEqual(count, 1)
    }

    func testAttributeLookup() throws {
        try forEachSpan(OTLPTraceGolden.bytes(OTLPTraceGolden.rich)) { span in
            XCTAssertEqual(try span.attribute(key: "http.method")?.withString(text), "GET")
            XCTAssertEqual(try span.attribute(key: "http.status_code")?.intValue, 500)
            XCTAssertEqual(try span.attribute(key: "retry")?.boolValue, true)
            XCTAssertEqual(try span.attribute(key: "ratio")?.doubleValue, 0.25)
            XCTAssertEqual(try span.attribute(key: "unset")?.kind, .empty)
            XCTAssertNil(try span.attribute(key: "http.metho"))
            XCTAssertNil(try span.attribute(key: "service.name"), "a resource attribute is not a span attribute")
            let host = try Array("host.name".utf8).withUnsafeBytes { try span.resourceAttribute($0) }
            XCTAssertEqual(host?.withString(text), "web-1")
            XCTAssertNil(try span.attribute(key: "http.status_code")?.stringBytes, "an int has no string")
        }
    }

    func testEventsAndLinks() throws {
        try forEachSpan(OTLPTraceGolden.bytes(OTLPTraceGolden.rich)) { span in
            var events: [String] = []
            try span.forEachEvent { time, name, attributes in
                let message = try attributes.first(key: "exception.message")?.withString(text) ?? "-"
                events.append("\(time) \(text(span.bytes(name))) \(message)")
            }
            XCTAssertEqual(events, ["1714564800123456790 exception boom \"x\"\n"])
            var links: [String] = []
            try span.forEachLink { trace, spanID, _ in links.append("\(hex(span.bytes(trace)))/\(hex(span.bytes(spanID)))") }
            XCTAssertEqual(links, ["0af7651916cd43dd8448eb211c80319c/b7ad6b7169203331"])
        }
    }

    func testUnknownFieldsAreSkipped() throws {
        var names: [String] = []
        try forEachSpan(OTLPTraceGolden.bytes(OTLPTraceGolden.unknownFields)) { span in
            names.append("\(text(span.serviceName))/\(text(span.bytes(span.scopeName)))/\(text(span.bytes(span.name)))")
            XCTAssertEqual(span.statusCode, 1)
            XCTAssertEqual(span.endTimeUnixNano - span.startTimeUnixNano, 1000)
        }
        XCTAssertEqual(names, ["svc/u/op7"])
    }

    /// Protobuf fields may come in any order: a resource written after its scopes applies to them.
    func testResourceAfterItsScopes() throws {
        var w = ProtobufWriter()
        w.messageField(1) { rs in
            rs.messageField(2) { ss in
                ss.messageField(2) { OTLPTraceGolden.ids()(&$0) }
                ss.messageField(1) { $0.stringField(1, "late-scope") }
            }
            rs.messageField(1) { resource in
                resource.messageField(1) { kv in
                    kv.stringField(1, "service.name")
                    kv.messageField(2) { $0.stringField(1, "late") }
                }
            }
        }
        var seen: [String] = []
        try forEachSpan(Array(buffer: w.buffer)) { span in
            seen.append("\(text(span.serviceName))/\(text(span.bytes(span.scopeName)))")
        }
        XCTAssertEqual(seen, ["late/late-scope"])
    }

    func testTruncatedRequestsNeverCrash() throws {
        for golden in [OTLPTraceGolden.multi, OTLPTraceGolden.rich, OTLPTraceGolden.unknownFields] {
            let body = OTLPTraceGolden.bytes(golden)
            var total = 0
            try forEachSpan(body) { _ in total += 1 }
            for cut in 0..<body.count {
                var walked = 0
                let prefix = Array(body[..<cut])
                let threw = (try? forEachSpan(prefix) { _ in walked += 1 }) == nil
                XCTAssertTrue(threw || walked <= total, "cut \(cut)")
                let written = lines(prefix)
                XCTAssertTrue(written.isEmpty || written.hasSuffix("}\n"), "cut \(cut): \(written)")
            }
        }
    }

    // MARK: Span lines

    func testJSONLineOfARichSpan() {
        XCTAssertEqual(lines(OTLPTraceGolden.bytes(OTLPTraceGolden.rich)), #"""
            {"timestamp":"2024-05-01T12:00:00.123456789Z","trace_id":"5b8efff798038103d269b633813fc60c",\#
            "span_id":"eee19b7ec3c1b174","parent_span_id":"eee19b7ec3c1b173","name":"GET /cart","kind":"server",\#
            "start_time_unix_nano":1714564800123456789,"end_time_unix_nano":1714564800124956789,"duration_ms":1.5,\#
            "status":"error","status_message":"upstream failed","resource":{"service.name":"cart","host.name":"web-1"},\#
            "scope":{"name":"io.opentelemetry.http","version":"1.2.0"},"attributes":{"http.method":"GET",\#
            "http.status_code":500,"retry":true,"ratio":0.25,"tags":["a",1],"nested":{"k":"v","n":-2},\#
            "raw":"AP9oaQ==","unset":null},"events":[{"name":"exception","time_unix_nano":1714564800123456790,\#
            "attributes":{"exception.message":"boom \"x\"\n"}}],"links":1}

            """#)
    }

    func testJSONLinesOfSeveralResources() {
        let written = lines(OTLPTraceGolden.bytes(OTLPTraceGolden.multi)).split(separator: "\n")
        XCTAssertEqual(written.count, 6)
        XCTAssertEqual(written.first, #"""
            {"timestamp":"2024-05-01T12:00:00.000000001Z","trace_id":"5b010101010101010101010101010101",\#
            "span_id":"ee01000000000001","name":"op1","kind":"internal","start_time_unix_nano":1714564800000000001,\#
            "end_time_unix_nano":1714564800000001001,"duration_ms":0.001,"status":"unset",\#
            "resource":{"service.name":"checkout"},"scope":{"name":"a"},"attributes":{},"events":[],"links":0}
            """#)
        XCTAssertTrue(written[3].contains(#""resource":{},"scope":{},"#), String(written[3]))
    }

    func testUndefinedKindAndStatusAreWrittenAsNumbers() {
        let body = OTLPTraceGolden.request { w in
            OTLPTraceGolden.ids()(&w)
            w.varintField(6, 9)
            w.messageField(15) { $0.varintField(3, 7) }
        }
        let line = lines(body)
        XCTAssertTrue(line.contains(#""kind":"9""#), line)
        XCTAssertTrue(line.contains(#""status":"7""#), line)
    }

    /// A span whose attribute is malformed gets a short `malformed` line of its ids and name,
    /// the spans after it are written as usual, and what the buffer held before is kept.
    func testMalformedAttributeMarksItsSpanOnly() {
        let good = OTLPTraceGolden.ids()
        let bad: (inout ProtobufWriter) -> Void = { w in
            good(&w)
            w.messageField(9) { kv in kv.varintField(2, 1) }
        }
        let written = lines(OTLPTraceGolden.request(resources: [[good, bad, good]]), after: "kept\n")
        let lines = written.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, written)
        XCTAssertEqual(lines[0], "kept")
        XCTAssertTrue(lines[2].hasSuffix(#","malformed":true}"#), String(lines[2]))
        XCTAssertTrue(lines[2].hasPrefix(#"{"trace_id":""#), String(lines[2]))
        XCTAssertFalse(lines[1].contains("malformed"))
        XCTAssertFalse(lines[3].contains("malformed"), "the span after the bad one is written whole")
        for line in lines.dropFirst() {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), String(line))
        }
    }
}
