import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `log_to_metric` on router lines parsed by `logfmt`: counters, gauges, histograms, labels, limits,
/// and when it emits (once per tick per touched series, and at `finish`).
final class LogToMetricTransformTests: XCTestCase {
    private let t0 = L2metTransformTests.t0
    private let t0ms = L2metTransformTests.t0ms

    private func make(_ options: String, clock: Int64 = 0) -> (LogToMetricTransform, ComponentMetrics, LogCapture) {
        let config = metricTransformConfig("log_to_metric", options, as: LogToMetricTransformConfig.self)!
        let metrics = ComponentMetrics(id: "f")
        let logs = LogCapture()
        return (config.makeTransform(metrics: metrics, logger: logs.logger(), clock: { clock }), metrics, logs)
    }

    /// Processes `batches`, checking that none emits anything, then ticks: what one flush emits.
    private func flushed(_ stage: inout LogToMetricTransform, _ batches: EventBatch...,
                         file: StaticString = #filePath, line: UInt = #line) -> Emitted {
        for batch in batches {
            XCTAssertEqual(renderSamples(runTransform(&stage, batch)), [], "emitted before the tick", file: file, line: line)
        }
        return tick(&stage, 0)
    }

    /// Drain lines with their logfmt pairs as fields, as `logfmt` → `log_to_metric` sees them.
    private func parsed(_ lines: [DrainLine]) -> EventBatch {
        var logfmt = LogfmtTransform(field: FieldName("message"))
        return runTransform(&logfmt, drainBatch(lines))[0]
    }

    private func router(_ n: Int, _ method: String, status: Int, service: String, dyno: String = "web.1") -> DrainLine {
        DrainLine(t0 + Int64(n) * 1_000_000_000, "heroku", "router",
                  #"at=info method=\#(method) path="/" host=shop.herokuapp.com dyno=\#(dyno) connect=1ms service=\#(service) status=\#(status) bytes=656"#)
    }

    private let routerMetrics = """
        metrics:
          - type: counter
            name: http_requests_total
            labels: { status: "{{status}}", method: "{{method}}", dyno: "{{dyno}}" }
            when: { field: procid, equals: router }
          - type: histogram
            name: http_request_duration_seconds
            field: service
            buckets: [0.01, 0.1, 1]
            labels: { app: "{{app}}", route: "{{method}} {{path}}" }
        """

    func testRouterLinesBecomeRequestCountersAndDurationHistograms() {
        var (stage, _, _) = make(routerMetrics)
        let out = flushed(&stage, parsed([
            router(1, "GET", status: 200, service: "23ms"),
            router(2, "GET", status: 200, service: "5ms"),
            router(3, "POST", status: 503, service: "30000ms", dyno: "web.2"),
        ]))
        XCTAssertEqual(out.lines, [
            #"http_request_duration_seconds_bucket{le="+Inf",route="GET /"} 2"#,
            #"http_request_duration_seconds_bucket{le="+Inf",route="POST /"} 1"#,
            #"http_request_duration_seconds_bucket{le="0.01",route="GET /"} 1"#,
            #"http_request_duration_seconds_bucket{le="0.01",route="POST /"} 0"#,
            #"http_request_duration_seconds_bucket{le="0.1",route="GET /"} 2"#,
            #"http_request_duration_seconds_bucket{le="0.1",route="POST /"} 0"#,
            #"http_request_duration_seconds_bucket{le="1",route="GET /"} 2"#,
            #"http_request_duration_seconds_bucket{le="1",route="POST /"} 0"#,
            #"http_request_duration_seconds_count{route="GET /"} 2"#,
            #"http_request_duration_seconds_count{route="POST /"} 1"#,
            #"http_request_duration_seconds_sum{route="GET /"} 0.028"#,
            #"http_request_duration_seconds_sum{route="POST /"} 30"#,
            #"http_requests_total{dyno="web.1",method="GET",status="200"} 2"#,
            #"http_requests_total{dyno="web.2",method="POST",status="503"} 1"#,
        ])
        XCTAssertEqual(out.timestamps, [t0ms + 2000, t0ms + 3000])
    }

    func testBatchesEmitNothingUntilTheTickThenOneSampleSetPerSeries() {
        var (stage, _, _) = make(routerMetrics)
        let out = flushed(&stage,
                          parsed([router(1, "GET", status: 200, service: "23ms")]),
                          parsed([router(2, "GET", status: 200, service: "2ms"), router(3, "GET", status: 200, service: "2s")]),
                          parsed([router(4, "GET", status: 200, service: "5ms")]))
        XCTAssertEqual(out.lines.filter { !$0.contains("_bucket") }, [
            #"http_request_duration_seconds_count{route="GET /"} 4"#,
            #"http_request_duration_seconds_sum{route="GET /"} \#(0.023 + 0.002 + 2 + 0.005)"#,
            #"http_requests_total{dyno="web.1",method="GET",status="200"} 4"#,
        ], "one sample per series, with the values after the last batch")
        XCTAssertEqual(out.lines.filter { $0.contains("_bucket") }.count, 4)
        XCTAssertEqual(out.timestamps, [t0ms + 4000])
    }

    func testCountersAndHistogramsAreCumulativeAcrossTicks() {
        var (stage, _, _) = make(routerMetrics)
        _ = flushed(&stage, parsed([router(1, "GET", status: 200, service: "23ms")]))
        let second = flushed(&stage, parsed([
            router(2, "GET", status: 200, service: "2ms"), router(3, "GET", status: 200, service: "2s"),
        ]))
        XCTAssertEqual(second.lines.filter { !$0.contains("_bucket") }, [
            #"http_request_duration_seconds_count{route="GET /"} 3"#,
            #"http_request_duration_seconds_sum{route="GET /"} \#(0.023 + 0.002 + 2)"#,
            #"http_requests_total{dyno="web.1",method="GET",status="200"} 3"#,
        ])
        XCTAssertEqual(second.timestamps, [t0ms + 3000])
    }

    func testUntouchedSeriesAreNotReemitted() {
        var (stage, _, _) = make(routerMetrics)
        _ = flushed(&stage, parsed([router(1, "GET", status: 200, service: "23ms")]))
        let second = flushed(&stage, parsed([router(2, "PUT", status: 201, service: "1ms")]))
        XCTAssertEqual(second.lines.filter { !$0.contains("_bucket") }, [
            #"http_request_duration_seconds_count{route="PUT /"} 1"#,
            #"http_request_duration_seconds_sum{route="PUT /"} 0.001"#,
            #"http_requests_total{dyno="web.1",method="PUT",status="201"} 1"#,
        ])
        XCTAssertEqual(tick(&stage, 0).lines, [], "nothing touched since the last tick")
    }

    func testFinishEmitsWhatWasTouchedSinceTheLastTick() {
        var (stage, _, _) = make(routerMetrics)
        _ = flushed(&stage, parsed([router(1, "GET", status: 200, service: "23ms")]))
        XCTAssertEqual(runTransform(&stage, parsed([router(2, "PUT", status: 201, service: "1ms")])).count, 0)
        var output = TransformOutput()
        stage.finish(into: &output)
        let rest = emitted(output.batches.map(\.batch))
        XCTAssertEqual(rest.lines.filter { !$0.contains("_bucket") }, [
            #"http_request_duration_seconds_count{route="PUT /"} 1"#,
            #"http_request_duration_seconds_sum{route="PUT /"} 0.001"#,
            #"http_requests_total{dyno="web.1",method="PUT",status="201"} 1"#,
        ])
        output = TransformOutput()
        stage.finish(into: &output)
        XCTAssertEqual(output.batches.count, 0, "a second finish has nothing left")
    }

    func testTicksEveryFlushInterval() {
        XCTAssertEqual(make(routerMetrics).0.tickInterval, .seconds(10))
        XCTAssertEqual(make("flush_interval: 1m\n" + routerMetrics).0.tickInterval, .seconds(60))
    }

    func testALateEventStampsAfterTheSeriesPreviousSample() {
        var (stage, _, _) = make("""
            metrics:
              - { type: gauge, name: depth, field: depth }
            """)
        _ = flushed(&stage, parsed([DrainLine(t0 + 5_000_000_000, "app", "worker.1", "depth=5")]))
        let late = flushed(&stage, parsed([DrainLine(t0 + 2_000_000_000, "app", "worker.1", "depth=7")]))
        XCTAssertEqual(late.lines, ["depth 7"])
        XCTAssertEqual(late.timestamps, [t0ms + 5001], "neither back in time nor on the sample already sent")
    }

    func testCounterWithoutFieldCountsEventsAndWithAFieldAddsIt() {
        var (stage, _, _) = make("""
            metrics:
              - { type: counter, name: lines_total, labels: { kind: "proc-{{procid}}" } }
              - { type: counter, name: bytes_total, field: bytes }
            """)
        let out = flushed(&stage, parsed([
            router(1, "GET", status: 200, service: "1ms"),
            DrainLine(t0, "app", "web.1", "bytes=2KB"),
            DrainLine(t0, "app", "web.1", "no numbers here"),
        ]))
        XCTAssertEqual(out.lines, [
            #"bytes_total 2704"#,
            #"lines_total{kind="proc-router"} 1"#,
            #"lines_total{kind="proc-web.1"} 2"#,
        ])
    }

    func testGaugeIsTheLastValueBeforeTheTick() {
        var (stage, _, _) = make("""
            metrics:
              - { type: gauge, name: queue_depth, field: depth, labels: { queue: "{{queue}}" } }
            """)
        let out = flushed(&stage, parsed([
            DrainLine(t0, "app", "worker.1", "queue=mail depth=5"),
            DrainLine(t0 + 1_000_000_000, "app", "worker.1", "queue=mail depth=-2"),
            DrainLine(t0, "app", "worker.1", "queue=sms depth=1.5"),
        ]))
        XCTAssertEqual(out.lines, [#"queue_depth{queue="mail"} -2"#, #"queue_depth{queue="sms"} 1.5"#])
        XCTAssertEqual(out.timestamps, [t0ms, t0ms + 1000])
    }

    func testWhenConditionSelectsEvents() {
        var (stage, _, _) = make("""
            metrics:
              - type: counter
                name: errors_total
                labels: { code: "{{code}}" }
                when: { all: [ { field: procid, equals: router }, { field: status, gte: 500 } ] }
            """)
        let out = flushed(&stage, parsed([
            router(1, "GET", status: 200, service: "1ms"),
            DrainLine(t0, "heroku", "router", #"at=error code=H12 desc="Request timeout" method=GET path="/" connect= service=30000ms status=503"#),
            DrainLine(t0, "app", "web.1", "status=500 code=X"),
        ]))
        XCTAssertEqual(out.lines, [#"errors_total{code="H12"} 1"#])
    }

    func testBadValuesAreSkippedAndCounted() {
        var (stage, metrics, logs) = make("""
            metrics:
              - { type: histogram, name: d_seconds, field: service }
              - { type: counter, name: c_total, field: n }
            """)
        let out = flushed(&stage, parsed([
            DrainLine(t0, "app", "web.1", "service=fast n=-1"),
            DrainLine(t0, "app", "web.1", "service= n=2"),
        ]))
        XCTAssertEqual(out.lines, ["c_total 2"])
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["invalid_value=2"])
        XCTAssertEqual(logs.messages, ["skipped d_seconds: service=fast: not a number",
                                       "skipped c_total: n=-1: a counter cannot decrease"])
    }

    func testMaxSeriesDropsNewSeriesAndCountsThem() {
        var (stage, metrics, _) = make("""
            max_series: 2
            metrics:
              - { type: counter, name: by_dyno_total, labels: { dyno: "{{procid}}" } }
            """)
        let out = flushed(&stage, parsed(["web.1", "web.2", "web.3", "web.1", "web.4"].map {
            DrainLine(t0, "app", $0, "x=1")
        }))
        XCTAssertEqual(out.lines, [#"by_dyno_total{dyno="web.1"} 2"#, #"by_dyno_total{dyno="web.2"} 1"#])
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["max_series=2"])
    }

    func testIdleSeriesExpire() {
        var (stage, metrics, _) = make("""
            max_series: 1
            series_ttl: 1m
            metrics:
              - { type: counter, name: by_dyno_total, labels: { dyno: "{{procid}}" } }
            """)
        _ = runTransform(&stage, parsed([DrainLine(t0, "app", "web.1", "x=1")]))
        var output = TransformOutput()
        stage.tick(now: 120_000_000_000, into: &output)
        let out = flushed(&stage, parsed([DrainLine(t0, "app", "web.2", "x=1")]))
        XCTAssertEqual(out.lines, [#"by_dyno_total{dyno="web.2"} 1"#])
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["max_series=0"])
    }
}
