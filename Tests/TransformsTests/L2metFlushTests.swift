import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// When `l2met` emits: ticks, shutdown, a busy stage that never idles, expiry and limits.
final class L2metFlushTests: XCTestCase {
    private let t0 = L2metTransformTests.t0
    private let t0ms = L2metTransformTests.t0ms

    private func at(_ seconds: Double) -> Int64 { t0 + Int64(seconds * 1e9) }

    private func finish(_ stage: inout L2metTransform) -> Emitted {
        var output = TransformOutput()
        stage.finish(into: &output)
        return emitted(output.batches.map(\.batch))
    }

    func testTickFlushesOnlyClosedWindows() {
        var (stage, _, _) = makeL2met()
        XCTAssertEqual(stage.tickInterval, .seconds(1))
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(10), "app", "web.1", "sample#a=1"),
            DrainLine(at(70), "app", "web.1", "sample#a=2"),
        ]))
        XCTAssertEqual(tick(&stage, at(59.999)).lines, [])
        let first = tick(&stage, at(60))
        XCTAssertEqual(first.lines, [#"a{dyno="web.1"} 1"#])
        XCTAssertEqual(first.timestamps, [t0ms + 60_000])
        XCTAssertEqual(tick(&stage, at(60.5)).lines, [])
        XCTAssertEqual(tick(&stage, at(119)).lines, [])
        let second = tick(&stage, at(180))
        XCTAssertEqual(second.lines, [#"a{dyno="web.1"} 2"#])
        XCTAssertEqual(second.timestamps, [t0ms + 120_000])
        XCTAssertEqual(finish(&stage).lines, [])
    }

    func testAllowedLatenessKeepsSlightlyLateValuesInTheirOwnWindow() {
        var (stage, _, _) = makeL2met("allowed_lateness: 2s")
        _ = runTransform(&stage, drainBatch([DrainLine(at(59), "app", "web.1", "measure#db=10ms")]))
        XCTAssertEqual(tick(&stage, at(61)).lines, [], "the window [0, 60) waits 2 s past its end")
        _ = runTransform(&stage, drainBatch([DrainLine(at(59.5), "app", "web.1", "measure#db=30ms")]))
        let closed = tick(&stage, at(62))
        XCTAssertTrue(closed.lines.contains(#"db_seconds_count{dyno="web.1"} 2"#), "\(closed.lines)")
        XCTAssertTrue(closed.lines.contains(#"db_seconds_max{dyno="web.1"} 0.03"#), "\(closed.lines)")
        XCTAssertEqual(Set(closed.timestamps), [t0ms + 60_000], "both values in the window they belong to")
    }

    func testFinishFlushesThePartialWindow() {
        var (stage, _, _) = makeL2met("interval: 10s")
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(1), "app", "web.1", "count#a=1"),
            DrainLine(at(12), "app", "web.1", "count#a=1"),
        ]))
        XCTAssertEqual(tick(&stage, at(10)).lines, [#"a_total{dyno="web.1"} 1"#])
        let rest = finish(&stage)
        XCTAssertEqual(rest.lines, [#"a_total{dyno="web.1"} 2"#])
        XCTAssertEqual(rest.timestamps, [t0ms + 20_000])
    }

    func testFinishStampsThePartialWindowAtTheFlushTimeNotItsEnd() {
        let flush = at(30.5)
        var (stage, _, _) = makeL2met(clock: { flush })
        _ = runTransform(&stage, drainBatch([DrainLine(at(10), "app", "web.1", "count#a=1")]))
        let rest = finish(&stage)
        XCTAssertEqual(rest.lines, [#"a_total{dyno="web.1"} 1"#])
        XCTAssertEqual(rest.timestamps, [t0ms + 30_500], "the window [0, 60) ends 29.5 s after the flush")
    }

    func testARestartWithinAWindowWritesTwoTimestamps() {
        let shutdown = at(20)
        var (before, _, _) = makeL2met(clock: { shutdown })
        _ = runTransform(&before, drainBatch([DrainLine(at(10), "app", "web.1", "count#a=1")]))
        let first = finish(&before)
        var (after, _, _) = makeL2met()
        _ = runTransform(&after, drainBatch([DrainLine(at(25), "app", "web.1", "count#a=1")]))
        let second = tick(&after, at(60))
        XCTAssertEqual(first.timestamps, [t0ms + 20_000])
        XCTAssertEqual(second.timestamps, [t0ms + 60_000])
    }

    func testFinishKeepsTheEndStampOfWindowsThatAlreadyClosed() {
        let flush = at(61)
        var (stage, _, _) = makeL2met("allowed_lateness: 2s", clock: { flush })
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(10), "app", "web.1", "count#a=1"),
            DrainLine(at(60.5), "app", "web.1", "count#a=1"),
        ]))
        let rest = finish(&stage)
        XCTAssertEqual(rest.lines, [#"a_total{dyno="web.1"} 1"#, #"a_total{dyno="web.1"} 2"#])
        XCTAssertEqual(rest.timestamps, [t0ms + 60_000, t0ms + 61_000], "[0, 60) waited for lateness; [60, 120) is partial")
    }

    func testFinishFoldsValuesAheadOfTheClockIntoThePartialWindow() {
        let flush = at(59.5)
        var (stage, _, _) = makeL2met(clock: { flush })
        _ = runTransform(&stage, drainBatch([
            DrainLine(at(50), "app", "web.1", "count#a=1 sample#s=1 measure#m=1"),
            DrainLine(at(61), "app", "web.1", "count#a=2 sample#s=2 measure#m=3"),
        ]))
        let rest = finish(&stage)
        XCTAssertEqual(rest.lines.filter { !$0.contains("quantile") }, [
            #"a_total{dyno="web.1"} 3"#, #"m_count{dyno="web.1"} 2"#, #"m_max{dyno="web.1"} 3"#,
            #"m_min{dyno="web.1"} 1"#, #"m_sum{dyno="web.1"} 4"#, #"s{dyno="web.1"} 2"#,
        ], "one sample per series: two at the same timestamp would be duplicates")
        XCTAssertEqual(rest.timestamps, [t0ms + 59_500])
    }

    func testFinishInTheFirstMillisecondOfAWindowStampsAfterTheClosedOne() {
        let flush = at(60.0004)
        var (stage, _, _) = makeL2met(clock: { flush })
        _ = runTransform(&stage, drainBatch([DrainLine(at(59), "app", "web.1", "count#a=1")]))
        XCTAssertEqual(tick(&stage, at(60)).timestamps, [t0ms + 60_000])
        _ = runTransform(&stage, drainBatch([DrainLine(at(59.5), "app", "web.1", "count#a=1")]))
        let rest = finish(&stage)
        XCTAssertEqual(rest.lines, [#"a_total{dyno="web.1"} 2"#])
        XCTAssertEqual(rest.timestamps, [t0ms + 60_001], "a millisecond after the closed window, never on its stamp")
    }

    func testIdleSeriesExpireAndRestart() {
        var (stage, _, _) = makeL2met("series_ttl: 2m")
        _ = runTransform(&stage, drainBatch([DrainLine(at(10), "app", "web.1", "count#x=5 count#y=1")]))
        XCTAssertEqual(tick(&stage, at(60)).lines, [#"x_total{dyno="web.1"} 5"#, #"y_total{dyno="web.1"} 1"#])
        _ = runTransform(&stage, drainBatch([DrainLine(at(130), "app", "web.1", "count#y=1")]))
        XCTAssertEqual(tick(&stage, at(180)).lines, [#"y_total{dyno="web.1"} 2"#])
        // x had no value since window [0, 60): forgotten at 180 s; y is still known.
        _ = runTransform(&stage, drainBatch([DrainLine(at(185), "app", "web.1", "count#x=1 count#y=1")]))
        XCTAssertEqual(finish(&stage).lines, [#"x_total{dyno="web.1"} 1"#, #"y_total{dyno="web.1"} 3"#])
    }

    func testManyValuesKeepExactCountSumMinMax() {
        var (stage, _, _) = makeL2met("max_samples: 10")
        _ = runTransform(&stage, drainBatch((1...1000).map { DrainLine(at(1), "app", "web.1", "measure#m=\($0)") }))
        let out = finish(&stage).lines
        XCTAssertEqual(out.filter { !$0.contains("quantile") }, [
            #"m_count{dyno="web.1"} 1000"#, #"m_max{dyno="web.1"} 1000"#, #"m_min{dyno="web.1"} 1"#, #"m_sum{dyno="web.1"} 500500"#,
        ])
        XCTAssertEqual(out.filter { $0.contains("quantile") }.count, 3)
    }

    func testLargeFlushesAreSplitIntoBatches() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch((0..<5000).map { DrainLine(at(1), "app", "web.1", "count#c\($0)=1") }))
        var output = TransformOutput()
        stage.finish(into: &output)
        XCTAssertEqual(output.batches.map(\.batch.count), [4096, 904])
    }

    func testValuesOfTheSameSeriesInOneLineAndAcrossBatchesMeetInOneCell() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch([DrainLine(at(1), "app", "web.1", "measure#m=1 measure#m=2")]))
        _ = runTransform(&stage, drainBatch([DrainLine(at(2), "app", "web.1", "measure#m=3")]))
        XCTAssertTrue(finish(&stage).lines.contains(#"m_count{dyno="web.1"} 3"#))
    }
}
