import Codecs
import XCTest

/// 2026-11-29T18:00:00Z, the `now` of these tables.
let syslogTestNow: Int64 = 1_795_975_200 * 1_000_000_000

/// One line in the tests' notation: `format fac.sev timestamp offset host= app= pid= msgid= sd= msg=[ bom]`,
/// or `error: <description>`.
func renderSyslog(_ line: [UInt8], _ parser: SyslogParser = SyslogParser(now: syslogTestNow)) -> String {
    line.withUnsafeBytes { raw in
        switch parser.parse(raw) {
        case .failure(let error):
            return "error: \(error)"
        case .success(let m):
            func s(_ r: Range<Int>) -> String { String(decoding: raw[r], as: UTF8.self) }
            let ts = m.timestamp.map { RFC3339.string(nanoseconds: $0) } ?? "-"
            let off = m.timestampOffsetMinutes.map { $0 >= 0 ? "+\($0)" : "\($0)" } ?? "-"
            return "\(m.format) \(m.facility).\(m.severity) \(ts) \(off) host=\(s(m.hostname)) app=\(s(m.appname))"
                + " pid=\(s(m.procid)) msgid=\(s(m.msgid)) sd=\(s(m.structuredData)) msg=\(s(m.message))"
                + (m.hasBOM ? " bom" : "")
        }
    }
}

func renderSyslog(_ line: String, _ parser: SyslogParser = SyslogParser(now: syslogTestNow)) -> String {
    renderSyslog(Array(line.utf8), parser)
}

final class SyslogParserTests: XCTestCase {
    /// Lines as `logger --rfc5424`, `logger --rfc3164`, rsyslog forwarding and Heroku produce them.
    func testRealLines() {
        let table: [(String, String)] = [
            ("<13>1 2026-11-29T18:00:00.123456+01:00 host user - - [timeQuality tzKnown=\"1\" isSynced=\"1\" syncAccuracy=\"12345\"] hello",
             "rfc5424 1.5 2026-11-29T17:00:00.123456000Z +60 host=host app=user pid= msgid= sd=[timeQuality tzKnown=\"1\" isSynced=\"1\" syncAccuracy=\"12345\"] msg=hello"),
            ("<13>1 2026-11-29T18:00:00.123456+01:00 myhost alice 4242 ID47 [timeQuality tzKnown=\"1\" isSynced=\"0\"][meta sequenceId=\"1\"] hi\n",
             "rfc5424 1.5 2026-11-29T17:00:00.123456000Z +60 host=myhost app=alice pid=4242 msgid=ID47 sd=[timeQuality tzKnown=\"1\" isSynced=\"0\"][meta sequenceId=\"1\"] msg=hi"),
            ("<13>Nov 29 18:00:00 host user[123]: hello",
             "rfc3164 1.5 2026-11-29T18:00:00.000000000Z +0 host=host app=user pid=123 msgid= sd= msg=hello"),
            ("<13>Nov 29 18:00:00 myhost alice: hello world\n",
             "rfc3164 1.5 2026-11-29T18:00:00.000000000Z +0 host=myhost app=alice pid= msgid= sd= msg=hello world"),
            ("<13>2026-11-29T18:00:00.123456+01:00 host user[123]: hello",
             "rfc3164 1.5 2026-11-29T17:00:00.123456000Z +60 host=host app=user pid=123 msgid= sd= msg=hello"),
            ("<158>1 2024-05-01T00:00:00.001000+00:00 host heroku router - at=info method=GET status=200\n",
             "rfc5424 19.6 2024-05-01T00:00:00.001000000Z +0 host=host app=heroku pid=router msgid= sd= msg=at=info method=GET status=200"),
            ("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event",
             "rfc5424 20.5 2003-10-11T22:14:15.003000000Z +0 host=mymachine.example.com app=evntslog pid= msgid=ID47 sd=[exampleSDID@32473 iut=\"3\"] msg=An application event"),
            ("<34>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
             "rfc5424 4.2 2003-08-24T12:14:15.000003000Z -420 host=192.0.2.1 app=myproc pid=8710 msgid= sd= msg=%% It's time to make the do-nuts."),
        ]
        for (line, expected) in table { XCTAssertEqual(renderSyslog(line), expected, line) }
    }

    func testNilValuesAndBOM() {
        XCTAssertEqual(renderSyslog("<13>1 - host app - - - \u{FEFF}héllo\r\n"),
                       "rfc5424 1.5 - - host=host app=app pid= msgid= sd= msg=héllo bom")
        XCTAssertEqual(renderSyslog("<13>1 - host app - - [a b=\"c\"] \u{FEFF}"),
                       "rfc5424 1.5 - - host=host app=app pid= msgid= sd=[a b=\"c\"] msg= bom")
        XCTAssertEqual(renderSyslog("<13>1 - host app - - -"), "rfc5424 1.5 - - host=host app=app pid= msgid= sd= msg=")
        XCTAssertEqual(renderSyslog("<13>1 - host app - - - \u{EF}\u{BB}x"),
                       "rfc5424 1.5 - - host=host app=app pid= msgid= sd= msg=\u{EF}\u{BB}x")
    }

    func testMicrosecondsAndOffsets() {
        let table: [(String, String)] = [
            ("2026-11-29T18:00:00.000001Z", "2026-11-29T18:00:00.000001000Z +0"),
            ("2026-11-29T18:00:00.999999+14:00", "2026-11-29T04:00:00.999999000Z +840"),
            ("2026-11-29T18:00:00-09:30", "2026-11-30T03:30:00.000000000Z -570"),
            ("2026-11-29t18:00:00.5z", "2026-11-29T18:00:00.500000000Z +0"),
        ]
        for (ts, expected) in table {
            let out = renderSyslog("<13>1 \(ts) h a - - - m")
            XCTAssertTrue(out.hasPrefix("rfc5424 1.5 \(expected) "), "\(ts): \(out)")
        }
    }

    /// Malformed lines and the exact error each gets.
    func testErrors() {
        let table: [(String, String)] = [
            ("", "empty line at byte 0"),
            ("\r\n", "empty line at byte 0"),
            ("hello world", "missing <PRI> at byte 0"),
            ("<192>1 - h a p - m", "PRI above 191 at byte 1"),
            ("<13x>1 - h a p - m", "invalid <PRI> (expected <0> to <191>) at byte 3"),
            ("<>1 - h a p - m", "invalid <PRI> (expected <0> to <191>) at byte 1"),
            ("<13", "invalid <PRI> (expected <0> to <191>) at byte 3"),
            ("<13>", "header ends early at byte 4"),
            ("<13>1 2026-11-29T18:00:00 h a p - m", "invalid timestamp at byte 6"),
            ("<13>1 yesterday h a p - m", "invalid timestamp at byte 6"),
            ("<13>1 9999-12-31T23:59:59Z h a p - m", "invalid timestamp at byte 6"),
            ("<13>1 - host", "header ends early at byte 12"),
            ("<13>1 - h a p id [x k=\"v\" msg", "unterminated structured data at byte 29"),
            ("<13>1 - h a p id [x k=\"v\\\"]", "unterminated structured data at byte 27"),
            ("<13>1 - h a p id [x k=v] m", "invalid structured data at byte 22"),
            ("<13>1 - h a p id [x k=\"v\"]junk", "invalid structured data at byte 26"),
            ("<13>1 - h a p id [] m", "invalid structured data at byte 18"),
            ("<13>Foo 29 18:00:00 host app: x", "invalid timestamp at byte 4"),
            ("<13>Nov 29 18:00", "invalid timestamp at byte 4"),
            ("<13>Nov 32 18:00:00 host app: x", "invalid timestamp at byte 4"),
            ("<13>Nov 29 18:00:00x host app: x", "invalid timestamp at byte 19"),
            ("<13>2026-13-01T00:00:00Z host app: x", "invalid timestamp at byte 4"),
        ]
        for (line, expected) in table { XCTAssertEqual(renderSyslog(line), "error: \(expected)", line) }
    }

    func testBadVersionWhenRFC5424IsRequired() {
        let line = Array("<13>2 - h a p - m".utf8)
        let result = line.withUnsafeBytes { SyslogParser(now: syslogTestNow).parse5424($0) }
        XCTAssertEqual(result, .failure(SyslogParseError(.badVersion, at: 4)))
        XCTAssertEqual("\(SyslogParseError(.badVersion, at: 4))", "version is not 1 (not RFC 5424) at byte 4")
    }

    /// `parse5424` (the Heroku drain's) keeps its coarse errors and texts.
    func testLegacyErrorsStayCoarse() {
        func legacy(_ line: String) -> SyslogMessage.ParseError? {
            Array(line.utf8).withUnsafeBytes { raw in
                if case .failure(let e) = SyslogMessage.parse5424(raw) { return e }
                return nil
            }
        }
        XCTAssertEqual(legacy("<192>1 - h a p - m"), .badPriority)
        XCTAssertEqual(legacy("<13>Nov 29 18:00:00 host app: x"), .badVersion)
        XCTAssertEqual(legacy("<13>1 - h a p id [x k=v] m"), .badStructuredData)
        XCTAssertEqual(legacy("<192>1 - h a p - m")?.description, "missing or invalid <PRI>")
    }
}
