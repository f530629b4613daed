import Foundation
import XCTest

/// What pipectl's `syslog` output does to values RFC 5424 cannot carry as they are, as a real
/// rsyslogd reads the result: a LF inside a message, header values outside PRINTUSASCII, and
/// a message over `max_message_bytes`.
final class RsyslogReceiverEdgeTests: XCTestCase {
    private static func sent(_ line: String, _ fields: SyslogFields) -> RsyslogForwarding.Sent {
        RsyslogForwarding.Sent(line: line, fields: fields, bsd: false)
    }

    private static let stamp = SyslogFields.nanoseconds(rfc3339: "2026-11-29T18:00:00.000001Z")!

    private static let multiline = sent("<13>1 2026-11-29T18:00:00.000001Z host app - - - m1 first\nsecond\n",
                                        SyslogFields(facility: 1, severity: 5, timestamp: stamp, hostname: "host", appname: "app",
                                                     procid: nil, msgid: nil, structuredData: nil, message: "m1 first\nsecond"))

    /// Newline framing keeps one event one frame: the inner LF becomes a space, the last is dropped.
    func testALineFeedInsideAMessageWithNewlineFraming() throws {
        try RsyslogReceiving.run(self, .tcp, messages: [Self.multiline], expected: { sent in
            var fields = sent.fields
            fields.message = "m1 first second"
            return fields
        }) { _ in "mode: tcp, framing: newline" }
    }

    /// Octet counting sends the bytes as they are; rsyslog escapes the LF as `#012` on receipt.
    func testALineFeedInsideAMessageWithOctetCounting() throws {
        try RsyslogReceiving.run(self, .tcp, messages: [Self.multiline], expected: { sent in
            var fields = sent.fields
            fields.message = "m1 first#012second"
            return fields
        }) { _ in "mode: tcp, framing: octet_counting" }
    }

    /// Header bytes outside 33–126 become `_`, one per byte.
    func testHeaderValuesOutsidePrintableASCII() throws {
        let line = "<13>1 2026-11-29T18:00:00.000001Z hôst äpp p\u{7F}d - - m1 header bytes"
        try RsyslogReceiving.run(self, .tcp, messages: [Self.sent(line, SyslogFields(
            facility: 1, severity: 5, timestamp: Self.stamp, hostname: "h__st", appname: "__pp", procid: "p_d",
            msgid: nil, structuredData: nil, message: "m1 header bytes"))]) { _ in "mode: tcp" }
    }

    /// A message over `max_message_bytes` is cut so the whole RFC 5424 message fits.
    func testAMessageOverTheLimitIsCutToIt() throws {
        let header = "<13>1 2026-11-29T18:00:00.000001Z host app - - - "
        let body = "m1 " + String(repeating: "0123456789", count: 100)
        try RsyslogReceiving.run(self, .tcp, messages: [Self.sent(header + body, SyslogFields(
            facility: 1, severity: 5, timestamp: Self.stamp, hostname: "host", appname: "app", procid: nil, msgid: nil,
            structuredData: nil, message: String(body.prefix(480 - header.utf8.count))))]) { _ in
            "mode: tcp, max_message_bytes: 480"
        }
    }
}
