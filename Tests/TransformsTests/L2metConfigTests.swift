import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// Diagnostics of `l2met` options, with exact text and position.
final class L2metConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] {
        loadTransform("l2met", options).errors.map(\.description)
    }

    func testDefaults() throws {
        let config = try XCTUnwrap(metricTransformConfig("l2met", "", as: L2metTransformConfig.self))
        XCTAssertEqual(config.interval, .seconds(60))
        XCTAssertFalse(config.keepUnits)
        XCTAssertEqual(config.prefix, "")
        XCTAssertEqual(config.quantiles, [0.5, 0.95, 0.99])
        XCTAssertEqual(config.buckets, [])
        XCTAssertEqual(config.maxSeries, 100_000)
        XCTAssertEqual(config.maxSamples, 10_000)
        XCTAssertEqual(config.seriesTTL, .seconds(3600))
    }

    func testEveryOption() throws {
        let config = try XCTUnwrap(metricTransformConfig("l2met", """
            interval: 10s
            units: keep
            prefix: "heroku:"
            labels: { env: prod }
            buckets: [0.1, 1]
            quantiles: [0.9]
            max_series: 50
            max_samples: 100
            series_ttl: 5m
            """, as: L2metTransformConfig.self))
        XCTAssertEqual(config.interval, .seconds(10))
        XCTAssertTrue(config.keepUnits)
        XCTAssertEqual(config.prefix, "heroku:")
        XCTAssertEqual(config.labels.map { "\($0.0)=\($0.1)" }, ["env=prod"])
        XCTAssertEqual(config.buckets, [0.1, 1])
        XCTAssertEqual(config.quantiles, [0.9])
        XCTAssertEqual(config.maxSeries, 50)
        XCTAssertEqual(config.maxSamples, 100)
        XCTAssertEqual(config.seriesTTL, .seconds(300))
    }

    func testBadValues() {
        XCTAssertEqual(errors("units: raw"), ["t.yaml:7:12: transforms.f.units: expected one of normalize, keep, got 'raw'"])
        XCTAssertEqual(errors("interval: 500ms"), ["t.yaml:7:15: transforms.f.interval: must be at least 1s, got '500ms'"])
        XCTAssertEqual(errors("prefix: 9x-"),
                       ["t.yaml:7:13: transforms.f.prefix: expected a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*, got '9x-'"])
        XCTAssertEqual(errors("buckets: [1, 0.5]"),
                       ["t.yaml:7:14: transforms.f.buckets: bucket bounds must be strictly increasing, got 1 then 0.5"])
        XCTAssertEqual(errors("buckets: [1, fast]"), ["t.yaml:7:14: transforms.f.buckets: expected a list of numbers, got 'fast'"])
        XCTAssertEqual(errors("quantiles: [0.5, 1.5]"), ["t.yaml:7:16: transforms.f.quantiles: quantiles must be between 0 and 1, got 1.5"])
        XCTAssertEqual(errors("max_series: 0"),
                       ["t.yaml:7:17: transforms.f.max_series: expected an integer between 1 and 100000000, got '0'"])
        XCTAssertEqual(errors("labels: { le: x }"),
                       ["t.yaml:7:13: transforms.f.labels: 'le' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*, le or quantile)"])
    }

    func testUnknownOptionListsTheAllowedOnes() {
        XCTAssertEqual(errors("intervall: 10s"), [
            "t.yaml:7:5: transforms.f.intervall: unknown option 'intervall'; did you mean 'interval'? (allowed: allowed_lateness, buckets, buffer, inputs, "
                + "interval, labels, max_samples, max_series, prefix, quantiles, series_ttl, type, units)",
        ])
    }

    func testL2metTakesLogsAndGivesMetrics() {
        let outcome = ConfigLoader.load(text: """
            inputs:
              m: { type: metric_source }
            transforms:
              f: { type: l2met, inputs: [m] }
            outputs:
              out: { type: metrics_sink, inputs: [f] }
            """, file: "t.yaml", registry: transformsRegistry)
        XCTAssertEqual(outcome.errors.count, 1)
        XCTAssertTrue(outcome.errors.first?.description.contains("metrics") ?? false, "\(outcome.errors)")
    }
}
