import Codecs
import NIOCore
import XCTest

final class PrometheusTextTests: XCTestCase {
    private func value(_ v: Double) -> String {
        var buffer = ByteBuffer()
        PrometheusText.writeValue(v, into: &buffer)
        return String(buffer: buffer)
    }

    private func label(_ v: String) -> String {
        var buffer = ByteBuffer()
        PrometheusText.writeLabelValue(v, into: &buffer)
        return String(buffer: buffer)
    }

    func testSpecialValues() {
        XCTAssertEqual(value(.infinity), "+Inf")
        XCTAssertEqual(value(-.infinity), "-Inf")
        XCTAssertEqual(value(.nan), "NaN")
    }

    func testIntegersHaveNoFraction() {
        XCTAssertEqual(value(0), "0")
        XCTAssertEqual(value(1), "1")
        XCTAssertEqual(value(-17), "-17")
        XCTAssertEqual(value(123_456_789_012), "123456789012")
    }

    func testFractionsAndLargeValues() {
        XCTAssertEqual(value(0.25), "0.25")
        XCTAssertEqual(value(-1.5), "-1.5")
        XCTAssertEqual(value(1e15), "1000000000000000.0", "the integer form stops below 1e15")
        XCTAssertEqual(value(1e20), "1e+20")
        XCTAssertEqual(Double(value(0.1)), 0.1)
    }

    func testLabelEscaping() {
        XCTAssertEqual(label("plain"), "plain")
        XCTAssertEqual(label(#"C:\dir"#), #"C:\\dir"#)
        XCTAssertEqual(label(#"say "hi""#), #"say \"hi\""#)
        XCTAssertEqual(label("two\nlines"), #"two\nlines"#)
        XCTAssertEqual(label("tab\tstays"), "tab\tstays")
        XCTAssertEqual(label("\\\"\n"), #"\\\"\n"#)
        XCTAssertEqual(label(""), "")
    }

    func testMetricNames() {
        for name in ["up", "http_requests_total", "job:rate5m", ":leading_colon", "_x", "A9_Z", "a_1"] {
            XCTAssertTrue(PrometheusName.isValidMetricName(name), name)
        }
        for name in ["", "9lives", "a-b", "a b", "a.b", "é", "a[", "a@", "a`", "a{", "a/"] {
            XCTAssertFalse(PrometheusName.isValidMetricName(name), name)
        }
    }

    func testLabelNames() {
        for name in ["job", "__name__", "_x", "Status_Code2"] {
            XCTAssertTrue(PrometheusName.isValidLabelName(name), name)
        }
        for name in ["", "a:b", ":x", "1a", "a-b", "a b", "ü"] {
            XCTAssertFalse(PrometheusName.isValidLabelName(name), name)
        }
    }
}
