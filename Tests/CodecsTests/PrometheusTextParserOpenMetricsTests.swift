import Codecs
import XCTest

final class PrometheusTextParserOpenMetricsTests: XCTestCase {
    private func om(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        PrometheusTextParserHarness.verify(body, format: .openMetrics, file: file, line: line)
    }

    func testEOFRequired() {
        XCTAssertEqual(om("a 1\n"), ["a 1.0 unknown", "E1: missing # EOF at the end of an OpenMetrics body"])
        XCTAssertEqual(om("a 1\n# EOF"), ["a 1.0 unknown"])
    }

    func testDataAfterEOFIsAnErrorReportedOnce() {
        XCTAssertEqual(om("a 1\n# EOF\nb 2\nc 3\n"), ["a 1.0 unknown", "E3: data after # EOF"])
        XCTAssertEqual(om("a 1\n# EOF junk\n"), ["a 1.0 unknown", "E2: text after # EOF",
                                                 "E2: missing # EOF at the end of an OpenMetrics body"])
    }

    func testExemplarsAreSkipped() {
        XCTAssertEqual(om("""
        # TYPE foo histogram
        foo_bucket{le="0.1"} 8 # {trace_id="KOO5S4vxi0o"} 0.067 1520879607.789
        foo_bucket{le="+Inf"} 17 1520879607.0 # {trace_id="oHg5SJYRHA0"} 9.8
        foo_count 17
        # EOF

        """), [#"foo_bucket{le="0.1"} 8.0 histogram"#, #"foo_bucket{le="+Inf"} 17.0 @1520879607000 histogram"#,
               "foo_count 17.0 histogram"])
    }

    func testSuffixRulesKeepExposedNames() {
        XCTAssertEqual(om("""
        # TYPE acme_http_router_request_seconds summary
        # UNIT acme_http_router_request_seconds seconds
        # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
        acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
        acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
        acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
        # TYPE go_goroutines gauge
        go_goroutines 69
        # TYPE process_cpu_seconds counter
        # UNIT process_cpu_seconds seconds
        process_cpu_seconds_total 4.20072246e+06
        process_cpu_seconds_created 1.6e9
        process_cpu_seconds 1
        # TYPE build info
        build_info{version="1.0"} 1
        # TYPE door stateset
        door{door="open"} 1
        door{door="closed"} 0
        # TYPE queue gaugehistogram
        queue_bucket{le="1"} 3
        queue_gsum 2
        queue_gcount 3
        # TYPE thing unknown
        thing 5
        # EOF

        """), [#"acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32 summary"#,
               #"acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0 summary"#,
               #"acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0 summary"#,
               "go_goroutines 69.0 gauge", "process_cpu_seconds_total 4200722.46 counter",
               "process_cpu_seconds_created 1600000000.0 counter", "process_cpu_seconds 1.0 counter",
               #"build_info{version="1.0"} 1.0 info"#, #"door{door="open"} 1.0 stateset"#,
               #"door{door="closed"} 0.0 stateset"#, #"queue_bucket{le="1"} 3.0 gaugehistogram"#,
               "queue_gsum 2.0 gaugehistogram", "queue_gcount 3.0 gaugehistogram", "thing 5.0 unknown"])
    }

    func testEscapesAndSpecialValues() {
        XCTAssertEqual(om(#"a{x="q\"\\\n"} NaN"# + "\nb +Inf\nc -Inf 0\n# EOF\n"),
                       ["a{x=\"q\"\\\n\"} NaN unknown", "b inf unknown", "c -inf @0 unknown"])
    }
}
