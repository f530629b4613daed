import Codecs
import XCTest

final class SyslogMessageTests: XCTestCase {
    private func parse(_ text: String) -> (SyslogMessage?, [String: String], SyslogMessage.ParseError?) {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            switch SyslogMessage.parse5424(raw) {
            case .success(let m):
                func s(_ r: Range<Int>) -> String { String(decoding: raw[r], as: UTF8.self) }
                return (m, ["host": s(m.hostname), "app": s(m.appname), "proc": s(m.procid), "msgid": s(m.msgid),
                            "sd": s(m.structuredData), "msg": s(m.message)], nil)
            case .failure(let e):
                return (nil, [:], e)
            }
        }
    }

    func testHerokuRouterLineWithoutStructuredData() {
        let (m, f, _) = parse("<158>1 2024-05-01T00:00:00.001000+00:00 host heroku router - at=info method=GET status=200\n")
        XCTAssertEqual(m?.facility, 19)
        XCTAssertEqual(m?.severity, 6)
        XCTAssertEqual(m?.timestamp, 1_714_521_600_001_000_000)
        XCTAssertEqual(f, ["host": "host", "app": "heroku", "proc": "router", "msgid": "", "sd": "", "msg": "at=info method=GET status=200"])
    }

    func testStandardLineWithNilAndRealStructuredData() {
        XCTAssertEqual(parse("<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed").1["msg"], "'su root' failed")
        let (_, f, _) = parse("<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [exampleSDID@32473 iut=\"3\" x=\"a]b\"][y@1 k=\"v\"] BOM msg")
        XCTAssertEqual(f["sd"], "[exampleSDID@32473 iut=\"3\" x=\"a]b\"][y@1 k=\"v\"]")
        XCTAssertEqual(f["msg"], "BOM msg")
        XCTAssertEqual(f["msgid"], "ID47")
    }

    func testNilTimestampAndEmptyMessage() {
        let (m, f, _) = parse("<13>1 - host app - - -")
        XCTAssertNil(m?.timestamp)
        XCTAssertEqual(f["msg"], "")
        XCTAssertEqual(f["proc"], "")
    }

    func testErrors() {
        XCTAssertEqual(parse("no pri").2, .badPriority)
        XCTAssertEqual(parse("<999>1 - h a p - m").2, .badPriority)
        XCTAssertEqual(parse("<13>Oct 11 22:14:15 host app: msg").2, .badVersion)
        XCTAssertEqual(parse("<13>1 yesterday h a p - m").2, .badTimestamp)
        XCTAssertEqual(parse("<13>1 - host").2, .truncatedHeader)
        XCTAssertEqual(parse("<13>1 - h a p id [x k=\"v\" msg").2, .badStructuredData)
    }
}
