import Codecs
import NIOCore
@testable import Outputs
import Pipeline
import XCTest

/// Cutting spans out of a trace request: exactly the spans asked for, each with its resource
/// and scope, byte for byte; never a crash on a cut-short request.
final class OpenTelemetrySpanSubsetTests: XCTestCase {
    private typealias T = OpenTelemetryOutputTesting
    private let request = T.bytes(hex: T.traceRequest)

    private func slice(_ request: [UInt8], _ items: [Int]) -> (bytes: [UInt8], resources: Int, spans: Int) {
        let cut = request.withUnsafeBytes { OpenTelemetrySpanSubset.slice($0, items: items) }
        return (Array(cut.bytes.readableBytesView), cut.resources, cut.spans)
    }

    func testEverySubsetKeepsExactlyItsSpans() throws {
        let all = try T.spans(request)
        XCTAssertEqual(all.count, T.traceSpans)
        for mask in 1..<(1 << all.count) {
            let items = (0..<all.count).filter { mask & (1 << $0) != 0 }
            let cut = slice(request, items)
            XCTAssertEqual(try T.spans(cut.bytes), items.map { all[$0] }, "items \(items)")
            let scanned = try cut.bytes.withUnsafeBytes { try OTLPTraceScanner.scan($0) }
            XCTAssertEqual(scanned.spans, items.count)
            XCTAssertEqual(cut.spans, items.count)
            XCTAssertEqual(cut.resources, scanned.resources)
        }
    }

    /// Resources left with no span are left out; the kept ones keep their schema URL.
    func testDropsEmptyResourcesAndKeepsSchemaURLs() {
        let last = slice(request, [6])
        XCTAssertEqual(last.resources, 1)
        XCTAssertTrue(T.hex(last.bytes).contains(T.hex(Array("svc1".utf8))))
        XCTAssertFalse(T.hex(last.bytes).contains(T.hex(Array("svc0".utf8))))
        XCTAssertTrue(T.hex(last.bytes).contains(T.hex(Array("https://opentelemetry.io/schemas/1.21.0".utf8))))
        XCTAssertEqual(slice(request, Array(0..<T.traceSpans)).bytes.count, request.count, "all spans: the same size")
    }

    func testPayloadSubsetAndSplit() throws {
        let payload = OpenTelemetrySpanPayload(batches: [try T.spanBatch(request)], compressor: OpenTelemetryCompressor(.none))
        XCTAssertEqual(payload.eventCount, T.traceSpans)
        XCTAssertEqual(Array(payload.body.readableBytesView), request)
        let (first, second) = try XCTUnwrap(payload.split())
        XCTAssertEqual([first.eventCount, second.eventCount], [3, 4])
        XCTAssertEqual(try T.spans(Array(first.body.readableBytesView)) + T.spans(Array(second.body.readableBytesView)),
                       try T.spans(request))
        var lines = ByteBuffer()
        second.writeEvents(into: &lines)
        XCTAssertEqual(String(buffer: lines).split(separator: "\n").count, 4)
    }

    /// A cut-short request ends the subset where it breaks: what comes out still scans.
    func testTruncatedRequestAtEveryCut() throws {
        for cut in 0..<request.count {
            let part = slice(Array(request[..<cut]), Array(0..<T.traceSpans))
            let scanned = try part.bytes.withUnsafeBytes { try OTLPTraceScanner.scan($0) }
            XCTAssertEqual(scanned.spans, part.spans, "cut at \(cut)")
        }
    }
}
