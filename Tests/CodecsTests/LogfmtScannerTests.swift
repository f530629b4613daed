import Codecs
import XCTest

final class LogfmtScannerTests: XCTestCase {
    struct Pair: Equatable, CustomStringConvertible {
        var key: String
        var value: String
        var quoted = false
        var description: String { "\(key)=\(quoted ? "\"\(value)\"" : value)" }
    }

    /// Every pair of `line`, quoted values unescaped.
    private func scan(_ line: String) -> [Pair] {
        var s = line
        return s.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            var scanner = LogfmtScanner(raw)
            var pairs: [Pair] = []
            while let p = scanner.next() {
                let key = String(decoding: raw[p.key], as: UTF8.self)
                var value: [UInt8] = []
                let valueBytes = UnsafeRawBufferPointer(rebasing: raw[p.value])
                if p.hasEscapes {
                    LogfmtScanner.unescape(valueBytes) { value.append(contentsOf: $0) }
                } else {
                    value.append(contentsOf: valueBytes)
                }
                pairs.append(Pair(key: key, value: String(decoding: value, as: UTF8.self), quoted: p.quoted))
            }
            return pairs
        }
    }

    func testL2metLine() {
        XCTAssertEqual(scan("measure#db.latency=12ms count#signup=1 source=web.1 flag"), [
            Pair(key: "measure#db.latency", value: "12ms"),
            Pair(key: "count#signup", value: "1"),
            Pair(key: "source", value: "web.1"),
            Pair(key: "flag", value: ""),
        ])
    }

    func testQuotedValues() {
        XCTAssertEqual(scan(#"at=info msg="hello world" path="/a b""#), [
            Pair(key: "at", value: "info"),
            Pair(key: "msg", value: "hello world", quoted: true),
            Pair(key: "path", value: "/a b", quoted: true),
        ])
        XCTAssertEqual(scan(#"empty="" next=1"#), [Pair(key: "empty", value: "", quoted: true), Pair(key: "next", value: "1")])
    }

    func testQuotedValueWithEscapes() {
        let pairs = scan(#"msg="say \"hi\" \\ a\tb\nc\rd \x" n=2"#)
        XCTAssertEqual(pairs, [
            Pair(key: "msg", value: "say \"hi\" \\ a\tb\nc\rd x", quoted: true),
            Pair(key: "n", value: "2"),
        ])
    }

    func testEscapeFlagAndRawRange() {
        var line = #"a="x\"y" b="plain""#
        line.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            var scanner = LogfmtScanner(raw)
            let a = scanner.next()!
            XCTAssertTrue(a.quoted)
            XCTAssertTrue(a.hasEscapes)
            XCTAssertEqual(String(decoding: raw[a.value], as: UTF8.self), #"x\"y"#, "the range keeps escapes in place")
            let b = scanner.next()!
            XCTAssertTrue(b.quoted)
            XCTAssertFalse(b.hasEscapes)
            XCTAssertNil(scanner.next())
        }
    }

    func testEmptyValues() {
        XCTAssertEqual(scan("connect= status=200"), [Pair(key: "connect", value: ""), Pair(key: "status", value: "200")])
        XCTAssertEqual(scan("connect="), [Pair(key: "connect", value: "")])
    }

    func testLeadingTrailingAndRepeatedSpaces() {
        XCTAssertEqual(scan("   a=1    b=2  \t "), [Pair(key: "a", value: "1"), Pair(key: "b", value: "2")])
        XCTAssertEqual(scan("a=1\tb=2"), [Pair(key: "a", value: "1"), Pair(key: "b", value: "2")])
        XCTAssertEqual(scan(""), [])
        XCTAssertEqual(scan("    "), [])
    }

    func testValueMayContainEquals() {
        XCTAssertEqual(scan("q=a=b k=v"), [Pair(key: "q", value: "a=b"), Pair(key: "k", value: "v")])
    }

    func testUnterminatedQuoteDoesNotOverrun() {
        XCTAssertEqual(scan(#"msg="never closed"#), [Pair(key: "msg", value: "never closed", quoted: true)])
        XCTAssertEqual(scan(#"msg="ends in backslash\"#).map(\.key), ["msg"])
    }

    func testUnescapeTrailingBackslashIsKept() {
        var out: [UInt8] = []
        Array(#"ab\"#.utf8).withUnsafeBytes { LogfmtScanner.unescape($0) { out.append(contentsOf: $0) } }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"ab\"#)
    }
}
