import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `cardinality_limit` on samples written as `name{label="value"}`: caps, `tag`, `by`
/// groups, windows and `max_groups`.
final class CardinalityLimitTransformTests: XCTestCase {
    func testOverTheCapNewSeriesAreDroppedAndCountedWhileAdmittedOnesPass() throws {
        let f = CardinalityLimitHarness("max_series: 2")
        XCTAssertEqual(f.run([#"a{x="1"}"#, #"a{x="2"}"#]), [#"a{x="1"}"#, #"a{x="2"}"#])
        XCTAssertEqual(f.run([#"a{x="3"}"#, #"a{x="1"}"#, #"b"#, #"a{x="3"}"#, #"a{x="2"}"#]), [#"a{x="1"}"#, #"a{x="2"}"#])
        XCTAssertEqual(f.dropped, 3)
        let state = try f.state()
        XCTAssertEqual(state["admitted_series"] as? Int, 2)
        XCTAssertEqual(state["rejected_series"] as? Int, 2, "a{x=3} twice is one series")
        XCTAssertEqual(state["dropped_samples"] as? Int, 3)
        XCTAssertEqual(state["tracked_series"] as? Int, 4)
    }

    func testLabelOrderDoesNotMakeANewSeries() {
        let f = CardinalityLimitHarness("max_series: 1")
        XCTAssertEqual(f.run([#"a{x="1",y="2"}"#, #"a{y="2",x="1"}"#, #"a{x="2",y="1"}"#]),
                       [#"a{x="1",y="2"}"#, #"a{y="2",x="1"}"#])
        XCTAssertEqual(f.dropped, 1)
    }

    func testTagRelabelsRefusedSamplesIntoOneOverflowSeriesPerMetric() throws {
        let f = CardinalityLimitHarness("max_series: 1\naction: tag")
        XCTAssertEqual(f.run([#"a{x="1"}"#, #"a{x="2",y="3"}"#, #"b{z="1"}"#, #"a{x="1"}"#, #"a{x="4"}"#]), [
            #"a{x="1"}"#, #"a{x="1"}"#,
            #"a{cardinality_overflow="true"}"#, #"b{cardinality_overflow="true"}"#, #"a{cardinality_overflow="true"}"#,
        ])
        XCTAssertEqual(f.dropped, 0)
        XCTAssertEqual(try f.state()["tagged_samples"] as? Int, 3)
    }

    func testTagKeepsTheByLabelsInOrder() {
        let f = CardinalityLimitHarness("max_series: 1\naction: tag\nby: [job, az]")
        XCTAssertEqual(f.run([#"m{az="1",job="api",id="1"}"#, #"m{az="1",job="api",id="2"}"#, #"m{job="web",id="3"}"#,
                              #"m{job="web",id="4"}"#]), [
            #"m{az="1",job="api",id="1"}"#, #"m{job="web",id="3"}"#,
            #"m{az="1",cardinality_overflow="true",job="api"}"#, #"m{cardinality_overflow="true",job="web"}"#,
        ])
    }

    func testByCapsEachGroupSeparately() throws {
        let f = CardinalityLimitHarness("max_series: 2\nby: [job]")
        XCTAssertEqual(f.run([#"m{job="api",id="1"}"#, #"m{job="api",id="2"}"#, #"m{job="api",id="3"}"#,
                              #"m{job="web",id="1"}"#, #"m{job="web",id="2"}"#, #"m{id="9"}"#]),
                       [#"m{job="api",id="1"}"#, #"m{job="api",id="2"}"#, #"m{job="web",id="1"}"#, #"m{job="web",id="2"}"#,
                        #"m{id="9"}"#])
        XCTAssertEqual(f.dropped, 1)
        XCTAssertEqual(try f.state()["groups"] as? Int, 3, "api, web and the group without a job")
    }

    func testGroupsPastMaxGroupsShareTheOverflowGroup() throws {
        let f = CardinalityLimitHarness("max_series: 1\nby: [job]\nmax_groups: 2\naction: tag")
        XCTAssertEqual(f.run([#"m{job="a",i="1"}"#, #"m{job="b",i="1"}"#, #"m{job="c",i="1"}"#, #"m{job="d",i="1"}"#,
                              #"m{job="a",i="2"}"#]), [
            #"m{job="a",i="1"}"#, #"m{job="b",i="1"}"#, #"m{job="c",i="1"}"#,
            #"m{cardinality_overflow="true"}"#, #"m{cardinality_overflow="true",job="a"}"#,
        ], "c and d share __overflow__'s one series; its overflow series carries no job")
        XCTAssertEqual(try f.state()["groups"] as? Int, 2)
    }

    func testANewWindowForgetsSeriesNotSeenInThePreviousOneAndReadmits() throws {
        let f = CardinalityLimitHarness("max_series: 2\nwindow: 60s")
        f.at(0)
        XCTAssertEqual(f.run(["a", "b", "c"]), ["a", "b"])
        f.at(60)
        XCTAssertEqual(f.run(["c", "b"]), ["b"], "a and b count while seen in the previous window")
        f.at(125)
        XCTAssertEqual(f.run(["c", "a", "d", "b"]), ["c", "b"], "a was forgotten: its room went to c, refused before")
        XCTAssertEqual(f.dropped, 4)
        let state = try f.state()
        XCTAssertEqual(state["admitted_series"] as? Int, 3)
        XCTAssertEqual(state["rejected_series"] as? Int, 3, "c, then a and d")
    }

    func testTickStartsTheNewWindowWithoutTraffic() throws {
        let f = CardinalityLimitHarness("max_series: 5\nwindow: 60s")
        XCTAssertEqual(f.stage.tickInterval, .seconds(60))
        f.at(0)
        _ = f.run(["a", "b"])
        f.at(120)
        _ = tick(&f.stage, 0)
        XCTAssertEqual(try f.state()["tracked_series"] as? Int, 0)
    }

    func testRefusingMovesTheBatchWithoutACopy() {
        for action in ["drop", "tag"] {
            let f = CardinalityLimitHarness("max_series: 1\naction: \(action)")
            var metrics = MetricBatch()
            for id in 0..<3 { metrics.append(name: "m", labels: [("id", "\(id)")], value: 1, timestamp: 0, kind: .gauge) }
            let batch = EventBatch.metrics(metrics)
            metrics = MetricBatch(capacity: 0)
            var output = TransformOutput()
            let before = BatchCopies.total
            f.stage.process(consume batch, into: &output)
            XCTAssertEqual(BatchCopies.total, before, action)
            XCTAssertEqual(output.batches.first?.batch.count, action == "drop" ? 1 : 3)
        }
    }

    /// The table's bytes per tracked series, measured: 16-byte slots at a load of 1/2 to 3/4.
    func testBytesPerTrackedSeries() throws {
        let f = CardinalityLimitHarness("max_series: 100000")
        for chunk in 0..<10 { _ = f.run((0..<1000).map { #"m{id="\#(chunk * 1000 + $0)"}"# }) }
        let state = try f.state()
        XCTAssertEqual(state["tracked_series"] as? Int, 10000)
        XCTAssertEqual(state["table_bytes"] as? Int, 16384 * 16, "26.2 bytes per series")
    }
}
