import Logging
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// OTLP/HTTP answers as the driver must read them (OTLP specification, "OTLP/HTTP Response"),
/// with answers made by opentelemetry-proto and googleapis-common-protos (Python).
final class OpenTelemetryProtocolTests: XCTestCase {
    private typealias T = OpenTelemetryOutputTesting
    private typealias Payload = OpenTelemetrySpanPayload

    /// `ExportTraceServiceResponse{partial_success{rejected_spans: 12, error_message: "over quota"}}`.
    private static let partial = "0a0e080c120a6f7665722071756f7461"
    /// `ExportTraceServiceResponse{partial_success{error_message: "use gzip"}}`: a warning.
    private static let warning = "0a0a120875736520677a6970"
    /// `google.rpc.Status{code: 3, message: "span 2: trace_id must be 16 bytes"}`.
    private static let status = "080312217370616e20323a2074726163655f6964206d757374206265203136206279746573"

    private let logs = LogCapture()
    private lazy var wire = OpenTelemetryProtocol<Payload>(
        classifier: DeliveryHTTPClassifier(name: "opentelemetry(out)", endpoint: "http://c:4318/v1/traces"),
        log: RateLimitedLogger(logger: logs.logger()))

    private func payload() throws -> Payload {
        Payload(batches: [try T.spanBatch(T.bytes(hex: T.traceRequest))], compressor: OpenTelemetryCompressor(.none))
    }

    private func classify(_ status: Int, body: String = "", headers: HTTPHeaders = [:]) throws -> DeliveryOutcome<Never> {
        let response = DeliveryHTTPResponse(status: status, headers: headers, body: ByteBuffer(bytes: T.bytes(hex: body)))
        return wire.classify(.response(response), of: try payload(), nowSeconds: 0)
    }

    private func name(_ outcome: DeliveryOutcome<Never>) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .partial(let items): "partial \(items.unnamedRejected?.count ?? -1)"
        case .retry(let after, let failure): "retry \(after.map { "\($0)" } ?? "-") \(failure.kind)"
        case .reject(let failure): "reject \(failure.kind)"
        case .split(let failure): "split \(failure.kind)"
        }
    }

    func testStatusTable() throws {
        let retryAfter = HTTPHeaders([("Retry-After", "7")])
        let table: [(Int, HTTPHeaders, String)] = [
            (200, [:], "delivered"), (202, [:], "delivered"),
            (429, retryAfter, "retry 7.0 seconds http_429"), (502, [:], "retry - http_5xx"),
            (503, retryAfter, "retry 7.0 seconds http_5xx"), (504, [:], "retry - http_5xx"),
            (413, [:], "split http_4xx"), (400, [:], "reject http_4xx"), (404, [:], "reject http_4xx"),
            (415, [:], "reject http_4xx"), (500, [:], "reject http_5xx"), (501, [:], "reject http_5xx"),
        ]
        for (status, headers, expected) in table {
            XCTAssertEqual(name(try classify(status, headers: headers)), expected, "\(status)")
        }
        XCTAssertEqual(name(wire.classify(.failure("connection refused"), of: try payload())), "retry - network")
    }

    func testPartialSuccessNamesNoItems() throws {
        guard case .partial(let items) = try classify(200, body: Self.partial) else { return XCTFail("not partial") }
        XCTAssertEqual(items.retry, [])
        XCTAssertTrue(items.rejected.isEmpty)
        XCTAssertEqual(items.unnamedRejected?.count, 12)
        XCTAssertEqual(items.unnamedRejected?.failure.kind, "partial_success")
        XCTAssertEqual(items.unnamedRejected?.failure.description,
                       "opentelemetry(out): http://c:4318/v1/traces rejected 12 of 7 spans: over quota")
    }

    func testWarningIsLoggedAndDelivered() throws {
        XCTAssertEqual(name(try classify(200, body: Self.warning)), "delivered")
        XCTAssertEqual(logs.messages, ["opentelemetry(out): http://c:4318/v1/traces accepted every item, warning: use gzip"])
    }

    func testFailureQuotesTheStatusMessage() throws {
        guard case .reject(let failure) = try classify(400, body: Self.status) else { return XCTFail("not rejected") }
        XCTAssertEqual(failure.description, "opentelemetry(out): 400 from http://c:4318/v1/traces: span 2: trace_id must be 16 bytes")
        XCTAssertEqual(String(buffer: failure.response), "span 2: trace_id must be 16 bytes")
        let text = DeliveryHTTPResponse(status: 400, body: ByteBuffer(string: "Bad Request: no body"))
        guard case .reject(let plain) = wire.classify(.response(text), of: try payload()) else { return XCTFail("not rejected") }
        XCTAssertEqual(plain.description, "opentelemetry(out): 400 from http://c:4318/v1/traces: Bad Request: no body")
    }

    /// Answers cut short anywhere read as what they hold so far, never a crash.
    func testTruncatedAnswersAtEveryCut() {
        for hex in [Self.partial, Self.status] {
            let bytes = T.bytes(hex: hex)
            for cut in 0...bytes.count {
                let body = ByteBuffer(bytes: bytes[..<cut])
                let (rejected, _) = OpenTelemetryResponse.partialSuccess(body)
                XCTAssertTrue(rejected == 0 || rejected == 12, "cut at \(cut)")
                _ = OpenTelemetryResponse.statusMessage(body)
            }
        }
        XCTAssertEqual(OpenTelemetryResponse.partialSuccess(ByteBuffer(bytes: T.bytes(hex: Self.partial))).message, "over quota")
        XCTAssertEqual(OpenTelemetryResponse.statusMessage(ByteBuffer(bytes: T.bytes(hex: Self.status))),
                       "span 2: trace_id must be 16 bytes")
    }
}
