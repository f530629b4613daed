import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// Diagnostics of `log_to_metric` options, with exact text and position.
final class LogToMetricConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] {
        loadTransform("log_to_metric", options).errors.map(\.description)
    }

    func testAValidConfig() throws {
        let config = try XCTUnwrap(metricTransformConfig("log_to_metric", """
            metrics:
              - type: histogram
                name: d_seconds
                field: service
                labels: { z: "{{a}}", b: "x-{{ c }}-y" }
              - { type: counter, name: n_total }
            """, as: LogToMetricTransformConfig.self))
        XCTAssertEqual(config.rules.map(\.name), ["d_seconds", "n_total"])
        XCTAssertEqual(config.rules[0].buckets, LogToMetricRule.defaultBuckets)
        XCTAssertEqual(config.rules[0].labels.map(\.name), ["b", "z"])
        XCTAssertEqual(config.rules[0].labels[0].template.parts,
                       [.literal(Array("x-".utf8)), .field(FieldName("c")), .literal(Array("-y".utf8))])
        XCTAssertNil(config.rules[1].field)
        XCTAssertEqual(config.maxSeries, 100_000)
        XCTAssertEqual(config.flushInterval, .seconds(10))
    }

    func testFlushInterval() throws {
        let config = try XCTUnwrap(metricTransformConfig("log_to_metric", """
            flush_interval: 30s
            metrics: [{ type: counter, name: n_total }]
            """, as: LogToMetricTransformConfig.self))
        XCTAssertEqual(config.flushInterval, .seconds(30))
        XCTAssertEqual(errors("""
            flush_interval: soon
            metrics: [{ type: counter, name: n_total }]
            """), [#"t.yaml:7:21: transforms.f.flush_interval: expected a duration like "15s" or "500ms", got 'soon'"#])
        XCTAssertEqual(errors("""
            flush_interval: 100ms
            metrics: [{ type: counter, name: n_total }]
            """), ["t.yaml:7:21: transforms.f.flush_interval: must be at least 1s, got '100ms'"])
    }

    func testUnknownType() {
        XCTAssertEqual(errors("""
            metrics:
              - { type: summary, name: x }
            """), ["t.yaml:8:17: transforms.f.metrics[0].type: expected one of counter, gauge, histogram, got 'summary'"])
    }

    func testMissingTypeAndName() {
        XCTAssertEqual(errors("""
            metrics:
              - { field: service }
            """), [
            "t.yaml:8:9: transforms.f.metrics[0]: missing required option 'type' (one of counter, gauge, histogram)",
            "t.yaml:8:9: transforms.f.metrics[0]: missing required option 'name'",
        ])
    }

    func testMissingMetrics() {
        XCTAssertEqual(errors(""), ["t.yaml:5:5: transforms.f: missing required option 'metrics'"])
        XCTAssertEqual(errors("metrics: []"), ["t.yaml:7:14: transforms.f.metrics: expected at least one metric"])
    }

    func testGaugeAndHistogramNeedAField() {
        XCTAssertEqual(errors("""
            metrics:
              - { type: gauge, name: g }
              - { type: histogram, name: h }
            """), [
            "t.yaml:8:9: transforms.f.metrics[0]: missing required option 'field' (a gauge takes its value from a field)",
            "t.yaml:9:9: transforms.f.metrics[1]: missing required option 'field' (a histogram takes its value from a field)",
        ])
    }

    func testBadNamesLabelsBucketsAndTemplates() {
        XCTAssertEqual(errors("""
            metrics:
              - { type: counter, name: "http requests" }
              - { type: counter, name: c, buckets: [1] }
              - { type: histogram, name: h, field: f, buckets: [2, 1] }
              - { type: counter, name: d, labels: { "1x": "{{a}}", ok: "{{a" } }
              - { type: counter, name: c }
            """), [
            "t.yaml:8:32: transforms.f.metrics[0].name: expected a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*, got 'http requests'",
            "t.yaml:9:44: transforms.f.metrics[1].buckets: buckets apply to histograms only",
            "t.yaml:10:56: transforms.f.metrics[2].buckets: bucket bounds must be strictly increasing, got 2 then 1",
            "t.yaml:11:43: transforms.f.metrics[3].labels: '1x' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __* or le)",
            "t.yaml:11:43: transforms.f.metrics[3].labels: label 'ok': unclosed '{{' in '{{a'",
            "t.yaml:12:32: transforms.f.metrics[4].name: metric 'c' is already declared by metrics[1]",
        ])
    }

    func testBadConditionAndUnknownOption() {
        XCTAssertEqual(errors("""
            metrics:
              - { type: counter, name: c, when: { field: status }, lables: {} }
            """), [
            "t.yaml:8:41: transforms.f.metrics[0].when: a condition needs one operator: equals, not_equals, in, contains, "
                + "starts_with, ends_with, exists, gt, gte, lt, lte (or all/any/not)",
            "t.yaml:8:60: transforms.f.metrics[0].lables: unknown option 'lables'; did you mean 'labels'? "
                + "(allowed: buckets, field, labels, name, type, when)",
        ])
    }
}
