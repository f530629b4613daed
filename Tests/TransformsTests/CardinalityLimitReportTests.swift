import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// What `cardinality_limit` shows in `/v1/components`: which metric, label and values grew.
final class CardinalityLimitReportTests: XCTestCase {
    func testTheReportNamesTheLabelThatExploded() throws {
        let f = CardinalityLimitHarness("max_series: 100")
        _ = f.run([#"up{job="api"}"#])
        for batch in 0..<3 {
            _ = f.run((0..<50).map { #"http_requests_total{job="api",user_id="u\#(batch * 50 + $0)"}"# } + [#"up{job="api"}"#])
        }
        let state = try f.state()
        XCTAssertEqual(state["admitted_series"] as? Int, 100)
        XCTAssertEqual(state["rejected_series"] as? Int, 51)
        let metrics = try XCTUnwrap(state["metrics"] as? [[String: Any]])
        XCTAssertEqual(metrics.map { $0["name"] as? String }, ["http_requests_total", "up"])
        XCTAssertEqual(metrics[0]["new_series"] as? Int, 150)
        XCTAssertEqual(metrics[0]["rejected_series"] as? Int, 51)
        let labels = try XCTUnwrap(metrics[0]["labels"] as? [[String: Any]])
        XCTAssertEqual(labels.map { $0["name"] as? String }, ["user_id", "job"], "the exploding label comes first")
        let distinct = try XCTUnwrap(labels[0]["distinct_values"] as? Int)
        XCTAssertTrue((110...190).contains(distinct), "about 150 user ids, got \(distinct)")
        XCTAssertEqual(labels[1]["distinct_values"] as? Int, 1)
        let jobs = try XCTUnwrap(labels[1]["top_values"] as? [[String: Any]])
        XCTAssertEqual(jobs.map { "\($0["value"] as? String ?? "")=\($0["series"] as? Int ?? 0)" }, ["api=150"])
        let users = try XCTUnwrap(labels[0]["top_values"] as? [[String: Any]])
        XCTAssertEqual(users.count, 5)
        XCTAssertEqual(users.map { $0["series"] as? Int }, [1, 1, 1, 1, 1], "each user id made one series")
    }

    func testRefusedSeriesAreRememberedUpToMaxSeries() throws {
        let f = CardinalityLimitHarness("max_series: 2")
        XCTAssertEqual(f.run((0..<6).map { #"m{id="\#($0)"}"# }), [#"m{id="0"}"#, #"m{id="1"}"#])
        let state = try f.state()
        XCTAssertEqual(state["rejected_series"] as? Int, 2, "id 4 and 5 are dropped without being remembered")
        XCTAssertEqual(state["tracked_series"] as? Int, 4)
        XCTAssertEqual(f.dropped, 4)
    }

    func testTheReportIsUpdatedPerNewSeriesNotPerSample() throws {
        let f = CardinalityLimitHarness("max_series: 1")
        for _ in 0..<10 { _ = f.run([#"m{id="1"}"#, #"m{id="2"}"#]) }
        let metrics = try XCTUnwrap(try f.state()["metrics"] as? [[String: Any]])
        XCTAssertEqual(metrics[0]["new_series"] as? Int, 2)
        XCTAssertEqual(f.dropped, 10)
    }

    func testTheReportKeepsTheMetricsWithTheMostNewSeries() throws {
        let f = CardinalityLimitHarness("max_series: 1000")
        _ = f.run((0..<40).map { "m\($0)" } + (0..<30).map { #"big{id="\#($0)"}"# })
        let metrics = try XCTUnwrap(try f.state()["metrics"] as? [[String: Any]])
        XCTAssertEqual(metrics.count, CardinalityGrowthReport.maxMetrics)
        XCTAssertEqual(metrics[0]["name"] as? String, "big")
        XCTAssertGreaterThanOrEqual(metrics[0]["new_series"] as? Int ?? 0, 30)
    }
}
