import NIOCore
import NIOHTTP1
@testable import Outputs
import XCTest

final class DeliveryHTTPClassifierTests: XCTestCase {
    private let classifier = DeliveryHTTPClassifier(name: "prometheus_remote_write(vm)", endpoint: "http://127.0.0.1:8428/api/v1/write")

    private func outcome(_ status: Int, _ headers: HTTPHeaders = [:], body: String = "") -> DeliveryOutcome<Never> {
        classifier.classify(.answer(status, body, headers: headers), nowSeconds: 1_000_000)
    }

    /// The table in `DeliveryHTTPClassifier`'s documentation, row by row.
    func testClassificationTable() {
        let table: [(Int, String)] = [
            (200, "delivered"), (204, "delivered"), (299, "delivered"),
            (429, "retry http_429"), (500, "retry http_5xx"), (502, "retry http_5xx"), (503, "retry http_5xx"),
            (504, "retry http_5xx"), (599, "retry http_5xx"),
            (413, "split http_4xx"),
            (400, "reject http_4xx"), (401, "reject http_4xx"), (403, "reject http_4xx"), (404, "reject http_4xx"),
            (409, "reject http_4xx"), (422, "reject http_4xx"),
            (100, "reject http_4xx"), (301, "reject http_4xx"), (307, "reject http_4xx"),
        ]
        for (status, expected) in table {
            let got: String
            switch outcome(status) {
            case .delivered: got = "delivered"
            case .retry(_, let f): got = "retry \(f.kind)"
            case .split(let f): got = "split \(f.kind)"
            case .reject(let f): got = "reject \(f.kind)"
            case .partial: got = "partial"
            }
            XCTAssertEqual(got, expected, "status \(status)")
        }
    }

    func testNetworkFailuresAreRetried() {
        let result: DeliveryOutcome<Never> = classifier.classify(.failure("cannot connect: connection refused"), nowSeconds: 0)
        XCTAssertEqual(result, .retry(after: nil, DeliveryFailure(
            kind: "network", description: "prometheus_remote_write(vm): http://127.0.0.1:8428/api/v1/write: cannot connect: connection refused")))
    }

    func testRetryAfterIsReadOn429And503() {
        guard case .retry(let after, _) = outcome(429, ["Retry-After": "7"]) else { return XCTFail() }
        XCTAssertEqual(after, .seconds(7))
        guard case .retry(let dated, _) = outcome(503, ["retry-after": "Mon, 12 Jan 1970 13:46:50 GMT"]) else { return XCTFail() }
        XCTAssertEqual(dated, .seconds(10), "an HTTP date relative to now (1,000,000 s)")
        guard case .retry(let none, _) = outcome(500, ["Retry-After": "whenever"]) else { return XCTFail() }
        XCTAssertNil(none, "an unreadable Retry-After leaves the backoff in charge")
    }

    func testRejectionDescribesStatusURLAndBody() {
        guard case .reject(let failure) = outcome(400, body: "  unsupported label\n  name\n") else { return XCTFail() }
        XCTAssertEqual(failure.description,
                       "prometheus_remote_write(vm): 400 from http://127.0.0.1:8428/api/v1/write: unsupported label   name")
        XCTAssertEqual(failure.status, 400)
        XCTAssertEqual(String(buffer: failure.response), "  unsupported label\n  name\n", "the dead letter keeps the body as sent")
        guard case .reject(let empty) = outcome(404) else { return XCTFail() }
        XCTAssertEqual(empty.description, "prometheus_remote_write(vm): 404 from http://127.0.0.1:8428/api/v1/write")
    }

    /// Bodies stay bytes for parsing; messages quote a bounded line, cut on a character boundary.
    func testLongBodiesAreKeptAsBytesAndQuotedBounded() {
        let body = String(repeating: "é", count: 400) + "\nend"  // 800 bytes of two-byte characters, then more
        guard case .reject(let failure) = outcome(400, body: body) else { return XCTFail() }
        XCTAssertEqual(failure.response.readableBytes, 804, "the bytes as received")
        XCTAssertEqual(failure.description, "prometheus_remote_write(vm): 400 from http://127.0.0.1:8428/api/v1/write: "
                       + String(repeating: "é", count: 256) + "…", "512 bytes, then an ellipsis")
        var odd = ByteBuffer(string: "a")
        odd.writeString(String(repeating: "é", count: 10))
        XCTAssertEqual(odd.boundedText(limit: 4), "aé…", "never half a character")
        XCTAssertEqual(ByteBuffer(string: "short").boundedText(limit: 4096), "short")
        XCTAssertEqual(ByteBuffer(bytes: [0x61, 0xFF, 0x62]).boundedLine(), "a\u{FFFD}b", "invalid UTF-8 repaired")
    }
}
