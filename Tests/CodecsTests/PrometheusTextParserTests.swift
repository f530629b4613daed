import Codecs
import XCTest

final class PrometheusTextParserTests: XCTestCase {
    private func p004(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        PrometheusTextParserHarness.verify(body, format: .prometheus004, file: file, line: line)
    }

    private func om(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        PrometheusTextParserHarness.verify(body, format: .openMetrics, file: file, line: line)
    }

    func testTypesAndHelp() {
        XCTAssertEqual(p004("""
        # HELP a_total Requests.
        # TYPE a_total counter
        a_total 1
        # TYPE b gauge
        b 2
        # TYPE c untyped
        c 3
        d 4

        """), ["a_total 1.0 counter", "b 2.0 gauge", "c 3.0 untyped", "d 4.0 untyped"])
    }

    func testHistogramAndSummaryParts() {
        XCTAssertEqual(p004("""
        # TYPE h histogram
        h_bucket{le="0.5"} 1
        h_bucket{le="+Inf"} 2
        h_sum 0.7
        h_count 2
        h_other 9
        # TYPE s summary
        s{quantile="0.99"} 3
        s_sum 4
        s_count 5

        """), [#"h_bucket{le="0.5"} 1.0 histogram"#, #"h_bucket{le="+Inf"} 2.0 histogram"#, "h_sum 0.7 histogram",
               "h_count 2.0 histogram", "h_other 9.0 untyped", #"s{quantile="0.99"} 3.0 summary"#,
               "s_sum 4.0 summary", "s_count 5.0 summary"])
    }

    func testLabelEscapes() {
        XCTAssertEqual(p004(#"m{a="x\\y",b="say \"hi\"",c="l1\nl2",d="\t",e=""} 1"# + "\n"),
                       ["m{a=\"x\\y\",b=\"say \"hi\"\",c=\"l1\nl2\",d=\"\\t\",e=\"\"} 1.0 untyped"])
    }

    func testLabelSpacingAndTrailingComma() {
        XCTAssertEqual(p004("m{ a = \"1\" , b=\"2\", } 1\nn{} 2\n"), [#"m{a="1",b="2"} 1.0 untyped"#, "n 2.0 untyped"])
    }

    func testSpecialValues() {
        XCTAssertEqual(p004("a NaN\nb +Inf\nc -Inf\nd 1e3\ne -2.5E-1\nf .5\ng Inf\nh 12345678901234567890\n"),
                       ["a NaN untyped", "b inf untyped", "c -inf untyped", "d 1000.0 untyped", "e -0.25 untyped",
                        "f 0.5 untyped", "g inf untyped", "h 1.2345678901234567e+19 untyped"])
    }

    func testBadValues() {
        XCTAssertEqual(p004("a 0x10\nb 1e\nc abc\nd\ne 1_000\n"),
                       [#"E1: invalid value "0x10""#, #"E2: invalid value "1e""#, #"E3: invalid value "abc""#,
                        "E4: missing value", #"E5: invalid value "1_000""#])
    }

    func testTimestamps004AreMilliseconds() {
        XCTAssertEqual(p004("a 1 1395066363000\nb 2 -5\nc 3 1.5\nd 4 99999999999999999999\n"),
                       ["a 1.0 @1395066363000 untyped", "b 2.0 @-5 untyped", #"E3: invalid timestamp "1.5""#,
                        #"E4: invalid timestamp "99999999999999999999""#])
    }

    func testOpenMetricsTimestampsAreSeconds() {
        XCTAssertEqual(om("a 1 1520879607.789\nb 2 1520879607\n# EOF\n"),
                       ["a 1.0 @1520879607789 unknown", "b 2.0 @1520879607000 unknown"])
    }

    func testMalformedLinesDoNotStopTheParse() {
        XCTAssertEqual(p004("""
        ok 1
        9bad 1
        m{a="1" 2
        m{a=1} 2
        m{a="1} 2
        m{1a="x"} 2
        m{a"x"} 2
        m 1 2 3
        # TYPE m nonsense
        # TYPE 1m gauge
        m-x 1
        still 2

        """), ["ok 1.0 untyped", "E2: invalid metric name", "E3: expected , or } after a label value",
               "E4: expected \" to open a label value", "E5: unterminated label value", "E6: invalid label name",
               "E7: expected = after label name", "E8: unexpected text after the sample",
               #"E9: unknown metric type "nonsense""#, "E10: invalid metric name in # TYPE",
               "E11: invalid metric name", "still 2.0 untyped"])
    }

    func testDuplicateLabel() {
        XCTAssertEqual(p004("m{a=\"1\",b=\"2\",a=\"3\"} 1\nn{a=\"1\"} 2\n"), ["E1: duplicate label a", #"n{a="1"} 2.0 untyped"#])
    }

    func testCommentsBlankLinesAndCRLF() {
        XCTAssertEqual(p004("# just a comment\n\n#no space\n   \na 1\r\n  b 2\n"), ["a 1.0 untyped", "b 2.0 untyped"])
    }

    func testLastLineWithoutNewline() {
        XCTAssertEqual(p004("a 1\nb 2"), ["a 1.0 untyped", "b 2.0 untyped"])
    }

    func testEOFIsAPlainCommentIn004() {
        XCTAssertEqual(p004("a 1\n# EOF\nb 2\n"), ["a 1.0 untyped", "b 2.0 untyped"])
    }

    func testLineTooLong() {
        let body = "a 1\nlong{x=\"" + String(repeating: "y", count: 100) + "\"} 1\nb 2\n"
        for format in [PrometheusTextFormat.prometheus004] {
            XCTAssertEqual(PrometheusTextParserHarness.verify(body, format: format, maxLineBytes: 50),
                           ["a 1.0 untyped", "E2: line longer than 50 bytes", "b 2.0 untyped"])
        }
        XCTAssertEqual(PrometheusTextParserHarness.verify("a 1\n" + String(repeating: "z", count: 60), format: .prometheus004,
                                                          maxLineBytes: 50),
                       ["a 1.0 untyped", "E2: line longer than 50 bytes"])
    }

    func testTypesAreScopedToTheirFamily() {
        XCTAssertEqual(p004("# TYPE a counter\na 1\n# HELP b B.\nb 2\na 3\n"),
                       ["a 1.0 counter", "b 2.0 untyped", "a 3.0 untyped"])
    }

    func testTypeTakesExactlyTwoTokens() {
        // Trailing blanks are fine; another word makes the line malformed and the family untyped.
        XCTAssertEqual(p004("# TYPE a counter \t\na 1\n# TYPE b gauge extra\nb 2\n"),
                       ["a 1.0 counter", "E3: text after the type in # TYPE", "b 2.0 untyped"])
    }

    func testOpenMetricsOnlyTypesAreRefusedIn004() {
        XCTAssertEqual(p004("# TYPE a info\na 1\n"), [#"E1: unknown metric type "info""#, "a 1.0 untyped"])
        XCTAssertEqual(om("# TYPE a untyped\na 1\n# EOF\n"), [#"E1: unknown metric type "untyped""#, "a 1.0 unknown"])
    }

    func testSamplesAreBytesValidDuringTheCallback() {
        var parser = PrometheusTextParser(format: .prometheus004)
        var names = 0, values = 0.0
        Array("m{a=\"b\"} 2\n".utf8).withUnsafeBytes { raw in
            parser.feed(raw) { event in
                guard case .sample(let s) = event else { return XCTFail("\(event)") }
                names += s.name.count + s.labelName(0).count + s.labelValue(0).count
                values += s.value
            }
        }
        XCTAssertEqual(names, 3)
        XCTAssertEqual(values, 2)
        XCTAssertEqual(parser.lineNumber, 1)
    }
}
