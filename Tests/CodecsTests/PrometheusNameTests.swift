import Codecs
import XCTest

/// Prometheus metric and label name rules.
final class PrometheusNameTests: XCTestCase {
    func testMetricNames() {
        for name in ["a", "http_requests_total", "ns:name", "_x", "A9"] { XCTAssertTrue(PrometheusName.isValidMetricName(name), name) }
        for name in ["", "9x", "a-b", "a b", "caf\u{e9}"] { XCTAssertFalse(PrometheusName.isValidMetricName(name), name) }
        XCTAssertTrue(PrometheusName.isValidMetricName("", allowEmpty: true))
    }

    func testLabelNames() {
        for name in ["a", "status_class", "_x"] { XCTAssertTrue(PrometheusName.isValidLabelName(name), name) }
        for name in ["", "1x", "a:b", "a-b"] { XCTAssertFalse(PrometheusName.isValidLabelName(name), name) }
    }
}
