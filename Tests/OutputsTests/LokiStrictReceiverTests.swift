import Codecs
import NIOCore
@testable import Outputs
import XCTest

/// The strict Loki receiver itself refuses what Loki refuses, with Loki's texts.
final class LokiStrictReceiverTests: XCTestCase {
    /// A protobuf push of one stream with `labels` and one entry (1 s, `line`), and `extra` bytes in the entry.
    private func push(_ labels: String, line: String = "x", extra: [UInt8] = []) -> ByteBuffer {
        func field(_ tag: UInt8, _ bytes: [UInt8]) -> [UInt8] { [tag, UInt8(bytes.count)] + bytes }
        let entry = field(0x0A, [0x08, 0x01]) + field(0x12, Array(line.utf8)) + extra
        let stream = field(0x0A, Array(labels.utf8)) + field(0x12, entry)
        var body = ByteBuffer()
        Snappy.compress(ByteBuffer(bytes: field(0x0A, stream)), into: &body)
        return body
    }

    func testRefusesWhatLokiRefuses() async throws {
        let receiver = LokiStrictReceiver()
        let port = try await receiver.start()
        let transport = DeliveryHTTPTransport(options: DeliveryHTTPOptions(url: "http://127.0.0.1:\(port)/loki/api/v1/push"), tls: nil,
                                              protocolHeaders: [("Content-Type", "application/x-protobuf")], requestTimeout: .seconds(10))
        func post(_ body: ByteBuffer) async -> String {
            guard case .response(let r) = await transport.send(DeliveryHTTPRequest(body: body)) else { return "no answer" }
            return "\(r.status) \(String(buffer: r.body))"
        }
        let empty = await post(push("{}"))
        let unquoted = await post(push("{app=web}"))
        let rawNewline = await post(push("{app=\"a\nb\"}"))
        let duplicate = await post(push(#"{a="1", a="2"}"#))
        let metadata = await post(push(#"{app="web"}"#, extra: [0x1A, 0x00]))
        let ok = await post(push(#"{app="w\"e\\b\n"}"#, line: "first"))
        let again = await post(push(#"{app="w\"e\\b\n"}"#, line: "second"))
        await transport.shutdown()
        await receiver.stop()
        XCTAssertEqual(empty, "400 error at least one label pair is required per stream")
        XCTAssertEqual(unquoted, "400 Error parsing labels '{app=web}' with error: expected '\"' to start the value of app")
        XCTAssertEqual(rawNewline, "400 Error parsing labels '{app=\"a\nb\"}' with error: unterminated quoted string")
        XCTAssertEqual(duplicate, "400 stream '{a=\"1\", a=\"2\"}' has duplicate label name: 'a'")
        XCTAssertTrue(metadata.hasPrefix("400 stream '{app=\"web\"}' includes structured metadata"), metadata)
        XCTAssertEqual(ok, "204 ")
        XCTAssertEqual(again, "204 ", "an equal timestamp is in order")
        XCTAssertEqual(receiver.streams, [#"{app="w\"e\\b\n"}"#: [.init(timestamp: 1_000_000_000, line: "first"),
                                                              .init(timestamp: 1_000_000_000, line: "second")]])
    }
}
