import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `l2met` end to end on drain-shaped batches: windows, percentiles, labels, router and L10 lines.
final class L2metTransformTests: XCTestCase {
    /// A window boundary: 2026-01-01T00:00:00Z.
    static let t0: Int64 = 1_767_225_600 * 1_000_000_000
    static let t0ms: Int64 = t0 / 1_000_000

    private func at(_ seconds: Double) -> Int64 { Self.t0 + Int64(seconds * 1e9) }

    /// Everything emitted by finishing the stage, as `name{labels} value` lines, sorted.
    private func finished(_ stage: inout L2metTransform) -> [String] {
        var output = TransformOutput()
        stage.finish(into: &output)
        return renderSamples(output.batches.map(\.batch))
    }

    private func run(_ lines: [DrainLine], options: String = "") -> [String] {
        var (stage, _, _) = makeL2met(options)
        _ = runTransform(&stage, drainBatch(lines))
        return finished(&stage)
    }

    func testRuntimeMetricsLabelDynoWithTheProcidNotTheBootUUID() {
        let out = run([DrainLine(at(1), "heroku", "web.1",
                                 "source=web.1 dyno=heroku.145151706.a8e9ac4d-9c1c-4d6a-b3b0-a1b2c3d4e5f6 "
                                     + "sample#memory_rss=21.22MB sample#load_avg_1m=2.46 sample#memory_pgpgin=348836pages",
                                 app: "shop")])
        XCTAssertEqual(out, [
            #"load_avg_1m{app="shop",dyno="web.1",source="web.1"} 2.46"#,
            #"memory_pgpgin_pages{app="shop",dyno="web.1",source="web.1"} 348836"#,
            #"memory_rss_bytes{app="shop",dyno="web.1",source="web.1"} \#(21.22 * 1_048_576)"#,
        ])
    }

    func testEveryValueExample() {
        let out = run([DrainLine(at(1), "app", "web.1", """
            measure#a=200ms measure#b=40.9MB measure#c=4347350804bytes measure#d=348836pages measure#e=.5 \
            measure#f=1.2.3 measure#g measure#h=-3 measure#i=abc
            """)])
        let sums = out.filter { $0.contains("_sum{") }
        XCTAssertEqual(sums, [
            #"a_seconds_sum{dyno="web.1"} 0.2"#,
            #"b_bytes_sum{dyno="web.1"} \#(40.9 * 1_048_576)"#,
            #"c_bytes_sum{dyno="web.1"} 4347350804"#,
            #"d_pages_sum{dyno="web.1"} 348836"#,
            #"e_sum{dyno="web.1"} 0.5"#,
            #"f_sum{dyno="web.1"} 1.2"#,
            #"g_sum{dyno="web.1"} 1"#,
        ])
    }

    func testUnitsKeep() {
        let out = run([DrainLine(at(1), "app", "web.1", "measure#a=200ms sample#m=40.9MB")], options: "units: keep")
        XCTAssertTrue(out.contains(#"a_ms_sum{dyno="web.1"} 200"#), "\(out)")
        XCTAssertTrue(out.contains(#"m_MB{dyno="web.1"} 40.9"#), "\(out)")
    }

    func testSameNameWithTwoUnitsIsTwoSeries() {
        let out = run([DrainLine(at(1), "app", "web.1", "sample#size=3MB sample#size=7pages")])
        XCTAssertEqual(out, [#"size_bytes{dyno="web.1"} 3145728"#, #"size_pages{dyno="web.1"} 7"#])
    }

    func testLegacyForms() {
        let out = run([
            DrainLine(at(1), "app", "web.1", "measure.hello measure.db.get=5ms"),
            DrainLine(at(2), "app", "web.1", "measure=db.query val=12 units=ms"),
            DrainLine(at(3), "app", "web.1", "measure=jobs"),
        ])
        XCTAssertEqual(out.filter { $0.contains("_sum{") }, [
            #"db_get_seconds_sum{dyno="web.1"} 0.005"#,
            #"db_query_seconds_sum{dyno="web.1"} 0.012"#,
            #"hello_sum{dyno="web.1"} 1"#,
            #"jobs_sum{dyno="web.1"} 1"#,
        ])
    }

    func testSourceLabelAppearsWhereverSourceIsInTheLine() {
        let out = run([DrainLine(at(1), "app", "worker.3", "count#jobs.done=2 source=queue-a")])
        XCTAssertEqual(out, [#"jobs_done_total{dyno="worker.3",source="queue-a"} 2"#])
    }

    func testPercentilesOneToHundred() {
        let lines = (1...100).shuffled().map { DrainLine(at(1), "app", "web.1", "measure#lat=\($0)") }
        XCTAssertEqual(run(lines), [
            #"lat_count{dyno="web.1"} 100"#,
            #"lat_max{dyno="web.1"} 100"#,
            #"lat_min{dyno="web.1"} 1"#,
            #"lat_sum{dyno="web.1"} 5050"#,
            #"lat{dyno="web.1",quantile="0.5"} 51"#,
            #"lat{dyno="web.1",quantile="0.95"} 96"#,
            #"lat{dyno="web.1",quantile="0.99"} 100"#,
        ])
    }

    func testPercentilesOneToTenAndEvenCount() {
        let ten = run((1...10).map { DrainLine(at(1), "app", "web.1", "measure#lat=\($0)") })
        XCTAssertEqual(ten.filter { $0.contains("quantile") }, [
            #"lat{dyno="web.1",quantile="0.5"} 6"#, #"lat{dyno="web.1",quantile="0.95"} 10"#, #"lat{dyno="web.1",quantile="0.99"} 10"#,
        ])
        let four = run([4, 2, 1, 3].map { DrainLine(at(1), "app", "web.1", "measure#lat=\($0)") })
        XCTAssertTrue(four.contains(#"lat{dyno="web.1",quantile="0.5"} 3"#), "\(four)")
    }

    func testCountAndSumAreCumulativeAcrossWindowsQuantilesAreNot() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(10), "app", "web.1", "count#signup=2 measure#m=1"),
            DrainLine(at(20), "app", "web.1", "count#signup measure#m=1"),
        ]))
        let first = tick(&stage, at(60))
        XCTAssertEqual(first.lines.filter { !$0.contains("_m") }, [
            #"m_count{dyno="web.1"} 2"#, #"m_sum{dyno="web.1"} 2"#,
            #"m{dyno="web.1",quantile="0.5"} 1"#, #"m{dyno="web.1",quantile="0.95"} 1"#, #"m{dyno="web.1",quantile="0.99"} 1"#,
            #"signup_total{dyno="web.1"} 3"#,
        ])
        XCTAssertEqual(first.timestamps, [Self.t0ms + 60_000])
        _ = runTransform(&stage, drainBatch([DrainLine(at(70), "app", "web.1", "count#signup=4 measure#m=5")]))
        let second = tick(&stage, at(120))
        XCTAssertEqual(second.lines, [
            #"m_count{dyno="web.1"} 3"#, #"m_max{dyno="web.1"} 5"#, #"m_min{dyno="web.1"} 5"#, #"m_sum{dyno="web.1"} 7"#,
            #"m{dyno="web.1",quantile="0.5"} 5"#, #"m{dyno="web.1",quantile="0.95"} 5"#, #"m{dyno="web.1",quantile="0.99"} 5"#,
            #"signup_total{dyno="web.1"} 7"#,
        ])
        XCTAssertEqual(second.timestamps, [Self.t0ms + 120_000])
    }

    func testEventsGoToTheWindowOfTheirOwnTimestamp() {
        var (stage, _, _) = makeL2met()
        // One batch, arriving late, holding two windows' worth of events.
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(59.999), "app", "web.1", "sample#q=1"),
            DrainLine(at(60), "app", "web.1", "sample#q=2"),
            DrainLine(at(30), "app", "web.1", "sample#q=3"),
        ]))
        let first = tick(&stage, at(61))
        XCTAssertEqual(first.lines, [#"q{dyno="web.1"} 3"#])
        XCTAssertEqual(first.timestamps, [Self.t0ms + 60_000])
        let second = tick(&stage, at(121))
        XCTAssertEqual(second.lines, [#"q{dyno="web.1"} 2"#])
        XCTAssertEqual(second.timestamps, [Self.t0ms + 120_000])
    }

    func testLateEventsAreCountedInTheOpenWindow() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch([DrainLine(at(10), "app", "web.1", "count#x=1 measure#m=10")]))
        XCTAssertEqual(tick(&stage, at(65)).lines.filter { $0.hasPrefix("x_total") || $0.hasPrefix("m_count") },
                       [#"m_count{dyno="web.1"} 1"#, #"x_total{dyno="web.1"} 1"#])
        // Window [0, 60) is flushed; these belong to it but land in [60, 120).
        _ = runTransform(&stage, drainBatch([DrainLine(at(50), "app", "web.1", "count#x=5 measure#m=30")]))
        let late = tick(&stage, at(120))
        XCTAssertEqual(late.lines, [
            #"m_count{dyno="web.1"} 2"#, #"m_max{dyno="web.1"} 30"#, #"m_min{dyno="web.1"} 30"#, #"m_sum{dyno="web.1"} 40"#,
            #"m{dyno="web.1",quantile="0.5"} 30"#, #"m{dyno="web.1",quantile="0.95"} 30"#, #"m{dyno="web.1",quantile="0.99"} 30"#,
            #"x_total{dyno="web.1"} 6"#,
        ])
        XCTAssertEqual(late.timestamps, [Self.t0ms + 120_000])
    }

    func testSampleIsTheLastValueAndMayBeNegative() {
        let (stage0, metrics, logs) = makeL2met()
        var stage = stage0
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(1), "app", "web.1", "sample#q=1"), DrainLine(at(2), "app", "web.1", "sample#q=5"),
            DrainLine(at(3), "app", "web.1", "sample#q=-2.5 measure#t=-1"),
        ]))
        XCTAssertEqual(finished(&stage), [#"q{dyno="web.1"} -2.5"#])
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["invalid_value=1"])
        XCTAssertEqual(logs.messages, ["skipped measure#t=-1: not a number"])
    }

    func testUniqueCountsDistinctValuesPerWindow() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch(["bob", "alice", "bob", "carol", "alice"].map {
            DrainLine(at(1), "app", "web.1", "unique#user=\($0)")
        }))
        XCTAssertEqual(tick(&stage, at(60)).lines, [#"user{dyno="web.1"} 3"#])
        _ = runTransform(&stage, drainBatch([DrainLine(at(61), "app", "web.1", "unique#user=bob")]))
        XCTAssertEqual(finished(&stage), [#"user{dyno="web.1"} 1"#])
    }

    func testHistogramBucketsAreCumulative() {
        var (stage, _, _) = makeL2met("buckets: [0.01, 0.1, 1]")
        _ = runTransform(&stage, drainBatch(["5ms", "50ms", "100ms", "500ms", "5s"].map {
            DrainLine(at(1), "app", "web.1", "measure#db=\($0)")
        }))
        XCTAssertEqual(tick(&stage, at(60)).lines, [
            #"db_seconds_bucket{dyno="web.1",le="+Inf"} 5"#,
            #"db_seconds_bucket{dyno="web.1",le="0.01"} 1"#,
            #"db_seconds_bucket{dyno="web.1",le="0.1"} 3"#,
            #"db_seconds_bucket{dyno="web.1",le="1"} 4"#,
            #"db_seconds_count{dyno="web.1"} 5"#,
            #"db_seconds_sum{dyno="web.1"} \#(0.005 + 0.05 + 0.1 + 0.5 + 5)"#,
        ])
        _ = runTransform(&stage, drainBatch([DrainLine(at(61), "app", "web.1", "measure#db=2ms")]))
        XCTAssertEqual(finished(&stage).filter { $0.contains("bucket") }, [
            #"db_seconds_bucket{dyno="web.1",le="+Inf"} 6"#,
            #"db_seconds_bucket{dyno="web.1",le="0.01"} 2"#,
            #"db_seconds_bucket{dyno="web.1",le="0.1"} 4"#,
            #"db_seconds_bucket{dyno="web.1",le="1"} 5"#,
        ])
    }
}
