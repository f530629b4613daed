import Codecs
import NIOCore
@testable import Outputs
import XCTest

/// The strict receiver refuses what Elasticsearch refuses, and answers as it does.
final class ElasticsearchReceiverTests: XCTestCase {
    func testRefusesWhatElasticsearchRefuses() async throws {
        let receiver = StrictElasticsearchReceiver()
        let port = try await receiver.start()
        let transport = DeliveryHTTPTransport(options: DeliveryHTTPOptions(url: "http://127.0.0.1:\(port)/_bulk"), tls: nil,
                                              protocolHeaders: [("Content-Type", "application/x-ndjson")], requestTimeout: .seconds(10),
                                              maxResponseBody: 1 << 20)
        func post(_ text: String, headers: [(String, String)] = [], gzip: Bool = false) async -> (Int, String) {
            var body = ByteBuffer(string: text)
            if gzip {
                var compressed = ByteBuffer()
                Gzip().compress(body, into: &compressed)
                body = compressed
            }
            guard case .response(let r) = await transport.send(DeliveryHTTPRequest(body: body, headers: headers)) else { return (0, "") }
            return (r.status, String(buffer: r.body))
        }
        let pair = #"{"create":{"_index":"logs-app-default","_id":"a"}}"# + "\n" + #"{"@timestamp":"2026-01-01T00:00:00Z","message":"x"}"# + "\n"
        let noNewline = await post(String(pair.dropLast()))
        let first = await post(pair, headers: [("Content-Encoding", "gzip")], gzip: true)
        let again = await post(pair)
        let indexOnStream = await post(#"{"index":{"_index":"logs-app-default"}}"# + "\n{\"message\":\"y\"}\n")
        let upperCase = await post(#"{"index":{"_index":"Logs"}}"# + "\n{}\n")
        let malformed = await post(#"{"delete":{"_index":"x"}}"# + "\n{}\n")
        await transport.shutdown()
        await receiver.stop()
        XCTAssertEqual(noNewline.0, 400)
        XCTAssertTrue(noNewline.1.contains(#""reason":"The bulk request must be terminated by a newline [\\n]""#), noNewline.1)
        XCTAssertEqual(first.0, 200)
        XCTAssertEqual(StrictElasticsearchReceiver.object(first.1)?["errors"] as? Bool, false)
        let conflict = try XCTUnwrap((StrictElasticsearchReceiver.object(again.1)?["items"] as? [[String: [String: Any]]])?.first?["create"])
        XCTAssertEqual(conflict["status"] as? Int, 409)
        XCTAssertEqual((conflict["error"] as? [String: Any])?["type"] as? String, "version_conflict_engine_exception")
        XCTAssertTrue(indexOnStream.1.contains("only write ops with an op_type of create are allowed in data streams"), indexOnStream.1)
        XCTAssertTrue(upperCase.1.contains("invalid_index_name_exception"), upperCase.1)
        XCTAssertEqual(malformed.0, 400)
        XCTAssertEqual(receiver.documents.mapValues(\.count), ["logs-app-default": 1])
    }

    func testFilterPathKeepsOnlyTheNamedMembers() {
        let answer: [String: Any] = ["took": 3, "errors": true, "items": [
            ["index": ["_id": "a", "status": 201, "result": "created"]],
            ["create": ["_id": "b", "status": 409, "error": ["type": "t", "reason": "r"]]],
        ]]
        let filtered = StrictElasticsearchReceiver.filter(answer, paths: [["errors"], ["items", "*", "status"], ["items", "*", "error"]])
        XCTAssertEqual(filtered as? NSDictionary, [
            "errors": true,
            "items": [["index": ["status": 201]], ["create": ["status": 409, "error": ["type": "t", "reason": "r"]]]],
        ] as NSDictionary)
    }
}
