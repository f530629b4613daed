import Foundation
import NIOCore
@testable import Outputs
import Pipeline
import XCTest

/// The PutLogEvents body and its signature, byte for byte against golden files, and the
/// message rules (UTF-8 repaired, cut at a character boundary, escaped, counted as sent).
final class CloudWatchLogsEncoderTests: XCTestCase {
    private static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/cloudwatch_logs")
    /// 2026-11-29T18:00:00Z.
    private static let epoch: Int64 = 1_795_975_200_000_000_000

    /// Three events of one stream, arriving out of order, with text JSON must escape.
    private func goldenBatch() -> LogBatch {
        var batch = LogBatch()
        for (offset, text) in [(2_500_000, "GET /health 200 \"ok\""), (1_000_000, "line1\nline2\ttab \\ é"), (1_999_999, "café ☕")] {
            let i = batch.append(timestamp: Self.epoch + Int64(offset), message: text)
            batch.setField(i, .known(.appname), .bytes(batch.store("web")))
            batch.setField(i, .known(.hostname), .bytes(batch.store("host-1")))
        }
        return batch
    }

    private func compare(_ text: String, golden name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PIPECTL_UPDATE_GOLDEN"] == "1" { try Data(text.utf8).write(to: url) }
        XCTAssertEqual(text, try String(contentsOf: url, encoding: .utf8), name, file: file, line: line)
    }

    private func signer(token: String? = nil) -> CloudWatchLogsRequestSigner {
        CloudWatchLogsRequestSigner(
            signer: AWSSigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                                               sessionToken: token),
                                   region: "us-east-1", service: "logs"),
            host: "logs.us-east-1.amazonaws.com", path: "/", unixSeconds: { 1_795_975_200 })
    }

    func testGoldenPutLogEventsBodyAndSignature() throws {
        var encoder = try XCTUnwrap(CloudWatchLogsBatchEncoder(groupName: "/pipectl/{{ appname }}", streamName: "{{hostname}}"))
        let payloads = encoder.encode(goldenBatch())
        XCTAssertEqual(payloads.count, 1)
        let payload = try XCTUnwrap(payloads.first)
        try compare(String(buffer: payload.body), golden: "put-log-events.json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(payload.body.readableBytesView)) as? [String: Any])
        let events = try XCTUnwrap(object["logEvents"] as? [[String: Any]])
        XCTAssertEqual(events.map { $0["timestamp"] as? Int }, [1_795_975_200_001, 1_795_975_200_001, 1_795_975_200_002],
                       "sorted, in milliseconds rounded down")
        XCTAssertEqual(events.map { $0["message"] as? String }, ["line1\nline2\ttab \\ é", "café ☕", "GET /health 200 \"ok\""])
        XCTAssertEqual(payload.size, [20, 9, 20].reduce(0) { $0 + $1 + 26 }, "UTF-8 bytes of the messages plus 26 each")

        let (headers, signature) = signer().sign(action: "PutLogEvents", body: payload.body)
        try compare(signature.canonicalRequest + "\n", golden: "put-log-events.creq")
        try compare(signature.authorization + "\n", golden: "put-log-events.authz")
        XCTAssertEqual(headers.map(\.0), ["Host", "X-Amz-Date", "X-Amz-Target", "Authorization"])
        XCTAssertEqual(headers[2].1, "Logs_20140328.PutLogEvents")
        XCTAssertEqual(headers[3].1, signature.authorization)
    }

    /// Temporary credentials: the token is sent and signed.
    func testASessionTokenIsSentAndSigned() {
        let (headers, signature) = signer(token: "FQoGZXIvYXdzEXAMPLE").sign(action: "PutLogEvents", body: ByteBuffer(string: "{}"))
        XCTAssertTrue(headers.contains { $0 == ("X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLE") })
        XCTAssertTrue(signature.authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"),
                      signature.authorization)
        XCTAssertTrue(signature.canonicalRequest.contains("\nx-amz-security-token:FQoGZXIvYXdzEXAMPLE\n"))
    }

    private func written(_ bytes: [UInt8], max: Int = 1000) -> (json: String, sent: Int, length: Int, cut: Bool) {
        var buffer = ByteBuffer()
        let sent = bytes.withUnsafeBytes { CloudWatchLogsMessage.write($0, max: max, into: &buffer) }
        let (length, cut) = bytes.withUnsafeBytes { CloudWatchLogsMessage.length($0, max: max) }
        return (String(buffer: buffer), sent, length, cut)
    }

    /// Each invalid byte becomes U+FFFD (3 bytes), counted as such; valid UTF-8 passes as is.
    func testInvalidUTF8IsRepaired() {
        let cases: [([UInt8], String)] = [
            ([0x61, 0xFF, 0x62], "\"a\u{FFFD}b\""),
            ([0xC3, 0xA9], "\"é\""),
            ([0xC3], "\"\u{FFFD}\""),                       // truncated sequence
            ([0xC0, 0xAF], "\"\u{FFFD}\u{FFFD}\""),         // overlong '/'
            ([0xED, 0xA0, 0x80], "\"\u{FFFD}\u{FFFD}\u{FFFD}\""),  // a surrogate
            ([0xF0, 0x9F, 0x98, 0x80], "\"😀\""),
            ([0xF4, 0x90, 0x80, 0x80], "\"\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\""),  // past U+10FFFF
        ]
        for (bytes, json) in cases {
            let w = written(bytes)
            XCTAssertEqual(w.json, json, "\(bytes)")
            XCTAssertEqual(w.sent, w.json.utf8.count - 2, "\(bytes)")
            XCTAssertEqual(w.length, w.sent, "\(bytes)")
        }
    }

    /// A long message is cut at a character boundary, never inside one; escapes do not count.
    func testLongMessagesAreCutAtACharacterBoundary() {
        let w = written(Array("ab\"é".utf8), max: 4)
        XCTAssertEqual(w.json, "\"ab\\\"\"")
        XCTAssertEqual(w.sent, 3)
        XCTAssertEqual(w.length, 3)
        XCTAssertTrue(w.cut)
        XCTAssertFalse(written(Array("ab\"é".utf8), max: 5).cut)
        XCTAssertEqual(written([0x01, 0x1F]).json, "\"\\u0001\\u001f\"")
    }
}
