import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `l2met` on Heroku's own lines (router, logplex L10), labels, series limits, and in a pipeline.
final class L2metHerokuTests: XCTestCase {
    private let t0 = L2metTransformTests.t0

    private func router(_ status: Int, connect: String, service: String, bytes: Int, dyno: String = "web.1") -> DrainLine {
        DrainLine(t0 + 1_000_000_000, "heroku", "router", """
            at=\(status >= 500 ? "error" : "info")\(status == 503 ? #" code=H12 desc="Request timeout""# : "") method=GET \
            path="/x" host=shop.herokuapp.com request_id=5f1c fwd="1.2.3.4" dyno=\(dyno) connect=\(connect) \
            service=\(service) status=\(status) bytes=\(bytes) protocol=https
            """, app: "shop")
    }

    private func finish(_ stage: inout L2metTransform) -> [String] {
        var output = TransformOutput()
        stage.finish(into: &output)
        return renderSamples(output.batches.map(\.batch), kinds: true)
    }

    func testRouterLinesBecomeMeasuresByStatusClassAndDyno() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch([
            router(200, connect: "1ms", service: "22ms", bytes: 656),
            router(304, connect: "3ms", service: "8ms", bytes: 0),
            router(503, connect: "", service: "30000ms", bytes: 0, dyno: "web.2"),
        ]))
        let out = finish(&stage)
        XCTAssertEqual(out.filter { $0.contains("_count{") }, [
            #"router_bytes_count{app="shop",dyno="web.1",status_class="2xx"} 1 summary"#,
            #"router_bytes_count{app="shop",dyno="web.1",status_class="3xx"} 1 summary"#,
            #"router_bytes_count{app="shop",dyno="web.2",status_class="5xx"} 1 summary"#,
            #"router_connect_seconds_count{app="shop",dyno="web.1",status_class="2xx"} 1 summary"#,
            #"router_connect_seconds_count{app="shop",dyno="web.1",status_class="3xx"} 1 summary"#,
            #"router_service_seconds_count{app="shop",dyno="web.1",status_class="2xx"} 1 summary"#,
            #"router_service_seconds_count{app="shop",dyno="web.1",status_class="3xx"} 1 summary"#,
            #"router_service_seconds_count{app="shop",dyno="web.2",status_class="5xx"} 1 summary"#,
        ])
        XCTAssertTrue(out.contains(#"router_service_seconds_sum{app="shop",dyno="web.2",status_class="5xx"} 30 summary"#))
        XCTAssertTrue(out.contains(#"router_service_seconds{app="shop",dyno="web.1",quantile="0.99",status_class="2xx"} 0.022 summary"#))
        XCTAssertTrue(out.contains(#"router_connect_seconds_max{app="shop",dyno="web.1",status_class="3xx"} 0.003 gauge"#))
        XCTAssertEqual(out.filter { $0.contains("router_connect") && $0.contains("5xx") }, [], "an empty connect= is no sample")
    }

    func testRouterNeedsHerokuAppname() {
        var (stage, _, _) = makeL2met()
        var line = router(200, connect: "1ms", service: "2ms", bytes: 1)
        line.appname = "app"
        _ = runTransform(&stage, drainBatch([line]))
        XCTAssertEqual(finish(&stage), [])
    }

    func testL10NoticesCountDroppedMessages() {
        var (stage, _, _) = makeL2met()
        _ = runTransform(&stage, drainBatch([
            DrainLine(t0, "heroku", "logplex", "Error L10 (output buffer overflow): 7 messages dropped since 2026-01-01T00:00:00+00:00.", app: "shop"),
            DrainLine(t0 + 1, "heroku", "logplex", "Error L10 (output buffer overflow): 3 messages dropped since 2026-01-01T00:00:01+00:00.", app: "shop"),
            DrainLine(t0 + 2, "heroku", "logplex", "Error L11 (something else): 9 messages", app: "shop"),
        ]))
        XCTAssertEqual(finish(&stage), [#"logplex_dropped_messages_total{app="shop"} 10 counter"#])
    }

    func testKindsOfEveryType() {
        var (stage, _, _) = makeL2met("quantiles: [0.5]")
        _ = runTransform(&stage, drainBatch([
            DrainLine(t0, "app", "web.1", "measure#m=2 count#c=1 sample#s=3 unique#u=a"),
        ]))
        XCTAssertEqual(finish(&stage), [
            #"c_total{dyno="web.1"} 1 counter"#,
            #"m_count{dyno="web.1"} 1 summary"#, #"m_max{dyno="web.1"} 2 gauge"#, #"m_min{dyno="web.1"} 2 gauge"#,
            #"m_sum{dyno="web.1"} 2 summary"#, #"m{dyno="web.1",quantile="0.5"} 2 summary"#,
            #"s{dyno="web.1"} 3 gauge"#, #"u{dyno="web.1"} 1 gauge"#,
        ])
    }

    func testPrefixStaticLabelsAndSortedLabelOrder() {
        var (stage, _, _) = makeL2met("""
            prefix: heroku_
            labels: { env: prod, zone: eu, source: fallback }
            """)
        _ = runTransform(&stage, drainBatch([
            DrainLine(t0, "app", "web.1", "sample#a=1 source=api", app: "shop"),
            DrainLine(t0, "app", "web.1", "sample#b=2"),
        ]))
        XCTAssertEqual(finish(&stage), [
            #"heroku_a{app="shop",dyno="web.1",env="prod",source="api",zone="eu"} 1 gauge"#,
            #"heroku_b{dyno="web.1",env="prod",source="fallback",zone="eu"} 2 gauge"#,
        ])
    }

    func testPlainAppLinesAreIgnored() {
        var (stage, metrics, _) = makeL2met()
        _ = runTransform(&stage, drainBatch([
            DrainLine(t0, "app", "web.1", "Completed 200 OK in 12ms (Views: 3.1ms | ActiveRecord: 1.2ms)"),
            DrainLine(t0, "app", "web.1", "measurement taken at=info"),
            DrainLine(t0, "app", "web.1", ""),
        ]))
        XCTAssertEqual(finish(&stage), [])
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["invalid_value=0"])
    }

    func testMaxSeriesDropsNewSeriesAndCountsThem() {
        var (stage, metrics, logs) = makeL2met("max_series: 2")
        _ = runTransform(&stage, drainBatch([
            DrainLine(t0, "app", "web.1", "count#a=1 count#b=1 count#c=1"),
            DrainLine(t0, "app", "web.2", "count#a=1"),
            DrainLine(t0, "app", "web.1", "count#a=1"),
        ]))
        XCTAssertEqual(finish(&stage), [#"a_total{dyno="web.1"} 2 counter"#, #"b_total{dyno="web.1"} 1 counter"#])
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["max_series=2"])
        XCTAssertEqual(logs.messages, [
            "max_series (2) reached: dropped a value of new series c_total",
            "max_series (2) reached: dropped a value of new series a_total",
        ])
    }

    func testInAPipelineTheDrainLinesBecomeMetricsAtShutdown() async throws {
        let components = TestComponents()
        components.provide("src", .input(StaticInput([
            drainBatch([DrainLine(t0, "app", "web.1", "count#signup=2"), DrainLine(t0 + 1, "app", "web.1", "count#signup")]),
        ])))
        let registry = ComponentRegistry(components.registry.types + [L2metTransformConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            transforms:
              metrics: { type: l2met, inputs: [src], interval: 10s }
            outputs:
              out: { type: metrics_sink, inputs: [metrics] }
            """, file: "p.yaml", registry: registry)
        XCTAssertEqual(outcome.diagnostics.map(\.description), [])
        let topology = try Topology(config: try XCTUnwrap(outcome.config), logger: LogCapture().logger())
        try await withTimeout(seconds: 60) { await topology.run() }
        let out = try XCTUnwrap(components.capture("out"))
        XCTAssertEqual(renderSamples(out.batches), [#"signup_total{dyno="web.1"} 3"#])
    }
}
