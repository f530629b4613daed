import Codecs
import NIOCore
@testable import Outputs
import Pipeline
import XCTest

final class SyslogEncoderTests: XCTestCase {
    /// 2026-11-29T18:00:00.123456789Z
    static let time: Int64 = 1_795_975_200_123_456_789

    private func encoder(_ fixed: SyslogEncoder.Fixed = .init(), framing: SyslogFraming = .none, max: Int = 64 * 1024) -> SyslogEncoder {
        SyslogEncoder(fixed: fixed, defaultHostname: Array("box".utf8), framing: framing, maxMessageBytes: max)
    }

    /// One event with `fields` (strings stored as bytes, integers as ints).
    private func batch(_ message: String, _ fields: [(KnownField, Any)] = [], time: Int64 = time) -> LogBatch {
        var batch = LogBatch()
        let i = batch.append(timestamp: time, message: message)
        for (key, value) in fields {
            if let n = value as? Int {
                batch.setField(i, .known(key), .int(Int64(n)))
            } else {
                batch.setField(i, .known(key), .bytes(batch.store(value as! String)))
            }
        }
        return batch
    }

    private func encode(_ batch: LogBatch, _ encoder: SyslogEncoder) -> (String, Bool) {
        let encoder = encoder
        var out = ByteBuffer()
        let truncated = encoder.encode(batch, 0, into: &out)
        return (String(buffer: out), truncated)
    }

    func testEveryFieldInItsPlace() {
        let b = batch("GET / 200", [(.facility, 16), (.severity, "warning"), (.hostname, "web-1"), (.appname, "nginx"),
                                    (.procid, 811), (.msgid, "ACCESS"), (.structuredData, #"[origin ip="10.0.0.1"]"#)])
        XCTAssertEqual(encode(b, encoder()).0,
                       #"<132>1 2026-11-29T18:00:00.123456Z web-1 nginx 811 ACCESS [origin ip="10.0.0.1"] GET / 200"#)
    }

    func testDefaultsForMissingFields() {
        XCTAssertEqual(encode(batch("hello"), encoder()).0, "<13>1 2026-11-29T18:00:00.123456Z box - - - - hello",
                       "user.notice, the machine's hostname, nil values")
        let odd = batch("x", [(.facility, 99), (.severity, "loud"), (.structuredData, "not sd"), (.appname, "")])
        XCTAssertEqual(encode(odd, encoder()).0, "<13>1 2026-11-29T18:00:00.123456Z box - - - - x",
                       "out-of-range and unknown priorities, broken SD and empty values fall back")
    }

    func testFixedValuesWinOverFields() {
        let fixed = SyslogEncoder.Fixed(hostname: Array("gw".utf8), appname: Array("pipectl".utf8), msgid: Array("M1".utf8),
                                        facility: 23, severity: 0)
        let b = batch("m", [(.facility, 1), (.severity, 6), (.hostname, "h"), (.appname, "a"), (.msgid, "id"), (.procid, "7")])
        XCTAssertEqual(encode(b, encoder(fixed)).0, "<184>1 2026-11-29T18:00:00.123456Z gw pipectl 7 M1 - m")
    }

    func testHeaderValuesAreSanitisedAndCut() {
        let b = batch("m", [(.hostname, "my host\u{7F}é"), (.appname, String(repeating: "a", count: 60)),
                            (.msgid, String(repeating: "x", count: 40))])
        let text = encode(b, encoder()).0
        XCTAssertEqual(text, "<13>1 2026-11-29T18:00:00.123456Z my_host___ \(String(repeating: "a", count: 48)) - "
                             + "\(String(repeating: "x", count: 32)) - m", "é is two bytes, each becomes _")
    }

    func testFramings() {
        let b = batch("two\nlines\n")
        XCTAssertEqual(encode(b, encoder(framing: .octetCounting)).0, "56 <13>1 2026-11-29T18:00:00.123456Z box - - - - two\nlines\n",
                       "octet counting sends the bytes as they are")
        XCTAssertEqual(encode(b, encoder(framing: .newline)).0, "<13>1 2026-11-29T18:00:00.123456Z box - - - - two lines\n",
                       "newline framing: inner LF becomes a space, the trailing one is the frame's")
    }

    func testLongMessagesAreCutAtACharacterBoundary() {
        let header = "<13>1 2026-11-29T18:00:00.123456Z box - - - - "
        let (text, truncated) = encode(batch("ab€cd"), encoder(max: header.utf8.count + 4))
        XCTAssertTrue(truncated)
        XCTAssertEqual(text, header + "ab", "€ is three bytes: cutting at 4 would split it")
        let (whole, cut) = encode(batch("ab€"), encoder(max: header.utf8.count + 5))
        XCTAssertFalse(cut)
        XCTAssertEqual(whole, header + "ab€")
    }

    /// Structured data longer than the whole limit goes as `-`, counted as a cut; the message stays.
    func testOverlongStructuredDataIsLeftOut() {
        let sd = "[big x=\"" + String(repeating: "y", count: 600) + "\"]"
        let (text, truncated) = encode(batch("kept", [(.structuredData, sd)]), encoder(max: 480))
        XCTAssertTrue(truncated)
        XCTAssertEqual(text, "<13>1 2026-11-29T18:00:00.123456Z box - - - - kept")
        let (fits, cut) = encode(batch("kept", [(.structuredData, "[a b=\"c\"]")]), encoder(max: 480))
        XCTAssertFalse(cut)
        XCTAssertEqual(fits, #"<13>1 2026-11-29T18:00:00.123456Z box - - - [a b="c"] kept"#)
    }

    func testTimestampsBeforeTheEpochAndWholeSeconds() {
        var out = ByteBuffer()
        SyslogEncoder.writeTimestamp(nanoseconds: -1_000, into: &out)
        XCTAssertEqual(String(buffer: out), "1969-12-31T23:59:59.999999Z")
        out.clear()
        SyslogEncoder.writeTimestamp(nanoseconds: 0, into: &out)
        XCTAssertEqual(String(buffer: out), "1970-01-01T00:00:00.000000Z")
    }

    func testPriorityNames() {
        XCTAssertEqual(SyslogPriority.facility("local7"), 23)
        XCTAssertEqual(SyslogPriority.facility("LOCAL0"), 16)
        XCTAssertEqual(SyslogPriority.facility("authpriv"), 10)
        XCTAssertEqual(SyslogPriority.facility("24"), nil)
        XCTAssertEqual(SyslogPriority.severity("err"), 3)
        XCTAssertEqual(SyslogPriority.severity("error"), 3)
        XCTAssertEqual(SyslogPriority.severity("7"), 7)
        XCTAssertEqual(SyslogPriority.severity("8"), nil)
        XCTAssertEqual(SyslogPriority.severity("loud"), nil)
    }

    /// What the encoder writes, the Codecs parser reads back: every field, both framings.
    func testRoundTripThroughTheSyslogParser() throws {
        let sd = #"[exampleSDID@32473 iut="3" eventSource="App\"lication"][timeQuality tzKnown="1"]"#
        let b = batch("héllo wörld", [(.facility, "local4"), (.severity, 2), (.hostname, "web-1.example.com"),
                                       (.appname, "api"), (.procid, "web.1"), (.msgid, "ID47"), (.structuredData, sd)])
        for framing in [SyslogFraming.octetCounting, .newline, .none] {
            var bytes = encode(b, encoder(framing: framing)).0
            if framing == .octetCounting {
                let space = bytes.firstIndex(of: " ")!
                XCTAssertEqual(Int(bytes[..<space]), bytes.utf8.count - bytes[...space].utf8.count)
                bytes = String(bytes[bytes.index(after: space)...])
            }
            let raw = Array(bytes.utf8)
            let m = try raw.withUnsafeBytes { try SyslogParser(now: 0).parse5424($0).get() }
            func text(_ r: Range<Int>) -> String { String(decoding: raw[r], as: UTF8.self) }
            XCTAssertEqual(m.format, .rfc5424)
            XCTAssertEqual(m.facility, 20)
            XCTAssertEqual(m.severity, 2)
            XCTAssertEqual(m.timestamp, Self.time / 1000 * 1000, "microseconds kept")
            XCTAssertEqual(m.timestampOffsetMinutes, 0)
            XCTAssertEqual(text(m.hostname), "web-1.example.com")
            XCTAssertEqual(text(m.appname), "api")
            XCTAssertEqual(text(m.procid), "web.1")
            XCTAssertEqual(text(m.msgid), "ID47")
            XCTAssertEqual(text(m.structuredData), sd)
            XCTAssertEqual(text(m.message), "héllo wörld", "\(framing)")
            XCTAssertFalse(m.hasBOM)
        }
    }

    /// Nil values come back as nil (empty ranges).
    func testRoundTripOfNilValues() throws {
        let raw = Array(encode(batch("m"), encoder()).0.utf8)
        let m = try raw.withUnsafeBytes { try SyslogParser(now: 0).parse5424($0).get() }
        XCTAssertEqual([m.appname, m.procid, m.msgid, m.structuredData].map(\.isEmpty), [true, true, true, true])
        XCTAssertEqual(String(decoding: raw[m.message], as: UTF8.self), "m")
    }
}
