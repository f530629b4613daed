import Codecs
import NIOCore
import XCTest

final class OTLPTraceScannerTests: XCTestCase {
    private func scan(_ bytes: [UInt8]) throws(OTLPTraceScanner.Invalid) -> (resources: Int, spans: Int) {
        try bytes.withUnsafeBytes { raw in Result { () throws(OTLPTraceScanner.Invalid) in try OTLPTraceScanner.scan(raw) } }.get()
    }

    /// The description of the error `scan` throws, or a failure when it does not throw.
    private func refusal(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let counts = try scan(bytes)
            XCTFail("accepted: \(counts)", file: file, line: line)
            return ""
        } catch {
            return error.description
        }
    }

    func testCountsResourcesAndSpansAcrossScopes() throws {
        let counts = try scan(OTLPTraceGolden.bytes(OTLPTraceGolden.multi))
        XCTAssertEqual(counts.resources, 3)
        XCTAssertEqual(counts.spans, 6)
    }

    func testRichSpanIsOneSpan() throws {
        let counts = try scan(OTLPTraceGolden.bytes(OTLPTraceGolden.rich))
        XCTAssertEqual(counts.resources, 1)
        XCTAssertEqual(counts.spans, 1)
    }

    func testUnknownFieldsAreSkippedAtEveryLevel() throws {
        let counts = try scan(OTLPTraceGolden.bytes(OTLPTraceGolden.unknownFields))
        XCTAssertEqual(counts.resources, 1)
        XCTAssertEqual(counts.spans, 1)
    }

    func testEmptyRequestCountsNothing() throws {
        let counts = try scan([])
        XCTAssertEqual(counts.resources, 0)
        XCTAssertEqual(counts.spans, 0)
    }

    /// A `SpanBatch` concatenates request bodies: the result is one request of all of them.
    func testConcatenatedRequestsCountAsOne() throws {
        let body = OTLPTraceGolden.bytes(OTLPTraceGolden.multi) + OTLPTraceGolden.bytes(OTLPTraceGolden.rich)
        let counts = try scan(body)
        XCTAssertEqual(counts.resources, 4)
        XCTAssertEqual(counts.spans, 7)
    }

    func testTraceIDMustBe16Bytes() {
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(trace: nil))),
                       "resource_spans[0].scope_spans[0].spans[0]: trace_id is 0 bytes, want 16")
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(trace: Array(repeating: 1, count: 15)))),
                       "resource_spans[0].scope_spans[0].spans[0]: trace_id is 15 bytes, want 16")
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(trace: Array(repeating: 1, count: 17)))),
                       "resource_spans[0].scope_spans[0].spans[0]: trace_id is 17 bytes, want 16")
    }

    func testSpanIDMustBe8Bytes() {
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(span: nil))),
                       "resource_spans[0].scope_spans[0].spans[0]: span_id is 0 bytes, want 8")
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(span: [1, 2, 3, 4, 5, 6, 7]))),
                       "resource_spans[0].scope_spans[0].spans[0]: span_id is 7 bytes, want 8")
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(span: Array(repeating: 9, count: 16)))),
                       "resource_spans[0].scope_spans[0].spans[0]: span_id is 16 bytes, want 8")
    }

    func testAllZeroIDsAreInvalid() {
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(trace: Array(repeating: 0, count: 16)))),
                       "resource_spans[0].scope_spans[0].spans[0]: trace_id is all zeros")
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(span: Array(repeating: 0, count: 8)))),
                       "resource_spans[0].scope_spans[0].spans[0]: span_id is all zeros")
    }

    /// One non-zero byte anywhere makes an id valid (both halves of the trace id are looked at).
    func testIDWithOneNonZeroByteIsValid() throws {
        for at in 0..<16 {
            var trace = [UInt8](repeating: 0, count: 16)
            trace[at] = 1
            XCTAssertEqual(try scan(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(trace: trace))).spans, 1, "byte \(at)")
        }
        for at in 0..<8 {
            var span = [UInt8](repeating: 0, count: 8)
            span[at] = 0x80
            XCTAssertEqual(try scan(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(span: span))).spans, 1, "byte \(at)")
        }
    }

    func testParentSpanIDIsEmptyOr8Bytes() throws {
        XCTAssertEqual(try scan(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(parent: []))).spans, 1)
        XCTAssertEqual(try scan(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(parent: [1, 2, 3, 4, 5, 6, 7, 8]))).spans, 1)
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(parent: [1, 2, 3, 4]))),
                       "resource_spans[0].scope_spans[0].spans[0]: parent_span_id is 4 bytes, want 0 or 8")
        XCTAssertEqual(refusal(OTLPTraceGolden.request(span: OTLPTraceGolden.ids(parent: Array(repeating: 1, count: 16)))),
                       "resource_spans[0].scope_spans[0].spans[0]: parent_span_id is 16 bytes, want 0 or 8")
    }

    /// A singular field given twice takes its last value, as protobuf decoders do.
    func testLastOccurrenceOfAnIDCounts() throws {
        let fixed = OTLPTraceGolden.request { w in
            [UInt8](repeating: 1, count: 3).withUnsafeBytes { w.bytesField(1, $0) }
            OTLPTraceGolden.ids()(&w)
        }
        XCTAssertEqual(try scan(fixed).spans, 1)
        let broken = OTLPTraceGolden.request { w in
            OTLPTraceGolden.ids()(&w)
            [UInt8](repeating: 1, count: 3).withUnsafeBytes { w.bytesField(1, $0) }
        }
        XCTAssertEqual(refusal(broken), "resource_spans[0].scope_spans[0].spans[0]: trace_id is 3 bytes, want 16")
    }

    func testErrorNamesResourceScopeAndSpan() {
        let good = OTLPTraceGolden.ids()
        let bad = OTLPTraceGolden.ids(span: Array(repeating: 0, count: 8))
        let body = OTLPTraceGolden.request(resources: [[good]], [[good, good], [good, bad, good]])
        XCTAssertEqual(refusal(body), "resource_spans[1].scope_spans[1].spans[1]: span_id is all zeros")
    }

    func testKnownFieldWithWrongWireTypeIsRefused() {
        let varintTime = OTLPTraceGolden.request { w in
            OTLPTraceGolden.ids()(&w)
            w.varintField(7, 1)
        }
        XCTAssertEqual(refusal(varintTime), "resource_spans[0].scope_spans[0].spans[0]: start_time_unix_nano has the wrong wire type")
        let varintStatus = OTLPTraceGolden.request { w in
            OTLPTraceGolden.ids()(&w)
            w.messageField(15) { $0.fixed64Field(3, 2) }
        }
        XCTAssertEqual(refusal(varintStatus), "resource_spans[0].scope_spans[0].spans[0]: status.code has the wrong wire type")
        var w = ProtobufWriter()
        w.varintField(1, 5)
        XCTAssertEqual(refusal(Array(buffer: w.buffer)),
                       "resource_spans[0]: ExportTraceServiceRequest.resource_spans has the wrong wire type")
    }

    func testMalformedResourceAttributeIsRefused() {
        var w = ProtobufWriter()
        w.messageField(1) { rs in
            rs.messageField(1) { resource in
                resource.messageField(1) { kv in kv.varintField(2, 1) }
            }
        }
        XCTAssertTrue(refusal(Array(buffer: w.buffer)).hasPrefix("resource_spans[0]: malformed protobuf"))
    }

    func testMalformedProtobufIsWrapped() {
        let body = OTLPTraceGolden.request { w in
            OTLPTraceGolden.ids()(&w)
            w.buffer.writeInteger(UInt8(15 << 3 | 7))  // field 15 with wire type 7, which does not exist
        }
        do {
            _ = try scan(body)
            XCTFail("accepted")
        } catch {
            guard case .malformed(let m) = error.problem else { return XCTFail("\(error)") }
            XCTAssertEqual(error.span, 0)
            XCTAssertEqual(m.reason, "wire type 7 of field 15")
        }
    }

    /// Each cut of a body throws, or, when it falls between two `ResourceSpans`, counts
    /// those before it.
    func testTruncationAtEveryOffset() throws {
        for golden in [OTLPTraceGolden.multi, OTLPTraceGolden.rich, OTLPTraceGolden.unknownFields] {
            let body = OTLPTraceGolden.bytes(golden)
            let boundaries = try topLevelBoundaries(body)
            for cut in 0..<body.count {
                let prefix = Array(body[..<cut])
                if let expected = boundaries[cut] {
                    let counts = try scan(prefix)
                    XCTAssertEqual(counts.resources, expected.resources, "cut \(cut)")
                    XCTAssertEqual(counts.spans, expected.spans, "cut \(cut)")
                } else {
                    XCTAssertThrowsError(try scan(prefix), "cut \(cut)")
                }
            }
        }
    }

    /// The offsets where a top-level field of `body` ends, with the resources and spans
    /// before each (each field scanned on its own).
    private func topLevelBoundaries(_ body: [UInt8]) throws -> [Int: (resources: Int, spans: Int)] {
        try body.withUnsafeBytes { raw in
            var reader = ProtobufReader(raw)
            var result: [Int: (resources: Int, spans: Int)] = [0: (0, 0)]
            var resources = 0, spans = 0
            var start = 0
            while try reader.next() != nil {
                let field = try OTLPTraceScanner.scan(UnsafeRawBufferPointer(rebasing: raw[start..<reader.offset]))
                resources += field.resources
                spans += field.spans
                result[reader.offset] = (resources, spans)
                start = reader.offset
            }
            return result
        }
    }

    /// Random bytes and randomly damaged goldens never crash the scanner; what it accepts,
    /// `OTLPSpanReader` walks to the same span count without an error.
    func testRandomInputNeverCrashes() {
        var random = SplitMix64(seed: 0x07E1)
        let goldens = [OTLPTraceGolden.multi, OTLPTraceGolden.rich, OTLPTraceGolden.unknownFields].map(OTLPTraceGolden.bytes)
        var acceptedSpans = 0, refused = 0
        for round in 0..<10_000 {
            var body: [UInt8]
            if round % 2 == 0 {
                body = (0..<random.next(80)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                body = goldens[random.next(goldens.count)]
                for _ in 0...random.next(3) { body[random.next(body.count)] = UInt8(truncatingIfNeeded: random.next()) }
            }
            body.withUnsafeBytes { raw in
                guard let counts = try? OTLPTraceScanner.scan(raw) else { refused += 1; return }
                acceptedSpans += counts.spans
                var walked = 0
                do {
                    try OTLPSpanReader.forEachSpan(raw) { _ in walked += 1 }
                } catch {
                    XCTFail("round \(round): the reader refused what the scanner accepted: \(error)")
                }
                XCTAssertEqual(walked, counts.spans, "round \(round)")
                var lines = ByteBuffer()
                OTLPSpanLines.write(raw, into: &lines)
                XCTAssertLessThanOrEqual(lines.readableBytesView.filter { $0 == UInt8(ascii: "\n") }.count, counts.spans)
            }
        }
        XCTAssertGreaterThan(acceptedSpans, 1000)
        XCTAssertGreaterThan(refused, 1000)
    }
}
