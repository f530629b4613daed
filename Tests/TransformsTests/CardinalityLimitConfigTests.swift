import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// Diagnostics of `cardinality_limit` options, with exact text and position.
final class CardinalityLimitConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] {
        loadCardinalityLimit(options).errors.map(\.description)
    }

    func testDefaults() {
        let config = CardinalityLimitHarness("max_series: 10").config
        XCTAssertEqual(config.maxSeries, 10)
        XCTAssertEqual(config.window, .seconds(3600))
        XCTAssertEqual(config.by, [])
        XCTAssertEqual(config.maxGroups, 1000)
        XCTAssertEqual(config.action, .drop)
    }

    func testByIsSorted() {
        let config = CardinalityLimitHarness("max_series: 10\nby: [job, az, Zone]\nmax_groups: 5\naction: tag\nwindow: 5m").config
        XCTAssertEqual(config.by, ["Zone", "az", "job"])
        XCTAssertEqual(config.maxGroups, 5)
        XCTAssertEqual(config.action, .tag)
        XCTAssertEqual(config.window, .seconds(300))
    }

    func testMissingMaxSeries() {
        XCTAssertEqual(errors("window: 1m"), ["t.yaml:5:5: transforms.f: missing required option 'max_series'"])
    }

    func testBadValues() {
        XCTAssertEqual(errors("""
            max_series: 0
            window: 10ms
            action: sample
            """), [
            "t.yaml:7:17: transforms.f.max_series: expected an integer between 1 and 100000000, got '0'",
            "t.yaml:8:13: transforms.f.window: must be at least 1s, got '10ms'",
            "t.yaml:9:13: transforms.f.action: expected one of drop, tag, got 'sample'",
        ])
    }

    func testBadByLabels() {
        let usable = "([a-zA-Z_][a-zA-Z0-9_]*, not __* or cardinality_overflow)"
        XCTAssertEqual(errors("""
            max_series: 5
            by: [job, "1x", job, cardinality_overflow]
            """), [
            "t.yaml:8:15: transforms.f.by[1]: '1x' is not a usable label name \(usable)",
            "t.yaml:8:21: transforms.f.by[2]: label 'job' is listed twice",
            "t.yaml:8:26: transforms.f.by[3]: 'cardinality_overflow' is not a usable label name \(usable)",
        ])
    }

    func testMaxGroupsNeedsBy() {
        XCTAssertEqual(errors("max_series: x\nmax_groups: 10"), [
            "t.yaml:7:17: transforms.f.max_series: expected an integer between 1 and 100000000, got 'x'",
            "t.yaml:8:17: transforms.f.max_groups: max_groups applies with 'by' only",
        ])
    }

    func testUnknownKey() {
        XCTAssertEqual(errors("max_series: 5\nmax_seriess: 6"), [
            "t.yaml:8:5: transforms.f.max_seriess: unknown option 'max_seriess'; did you mean 'max_series'? "
                + "(allowed: action, buffer, by, inputs, max_groups, max_series, type, window)",
        ])
    }
}
