import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

final class PrometheusExporterOutputTests: XCTestCase {
    private var feed: FeedInput!
    private var pipeline: RunningPipeline!
    private var port = 0

    override func setUp() async throws {
        let feed = FeedInput()
        self.feed = feed
        pipeline = try await RunningPipeline("""
            inputs:
              src: { type: metric_source }
            outputs:
              exporter: { type: prometheus_exporter, inputs: [src], listen: "127.0.0.1:0" }
            """) { $0.provide("src", .input(feed)) }
        let exporter = try XCTUnwrap(pipeline.output("exporter", as: PrometheusExporterOutput.self))
        port = exporter.boundPort.load(ordering: .relaxed)
        XCTAssertGreaterThan(port, 0, "port 0 binds a free port, known after prepare()")
    }

    override func tearDown() async throws {
        feed.feed.finish()
        try await pipeline.stop()
    }

    /// Sends `batch` and waits until the exporter has taken it.
    private func send(_ batch: MetricBatch) async throws {
        let metrics = pipeline.metrics("exporter")
        let before = metrics.sentEvents.load(ordering: .relaxed)
        feed.feed.yield(.metrics(batch))
        try await eventually { metrics.sentEvents.load(ordering: .relaxed) >= before + batch.count }
    }

    private func scrape() throws -> String {
        let response = try RawHTTP.get(port: port, path: "/metrics")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(response.headers["content-length"], String(response.body.utf8.count))
        return response.body
    }

    func testEmptyStoreServesAnEmptyPage() throws {
        XCTAssertEqual(try scrape(), "")
    }

    func testOtherPathsAre404() throws {
        let response = try RawHTTP.get(port: port, path: "/")
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.body, "not found; try /metrics\n")
    }

    func testTypeLinesAndSamples() async throws {
        var batch = MetricBatch()
        batch.append(name: "http_requests_total", labels: [("path", "/"), ("code", "200")], value: 10, timestamp: 0, kind: .counter)
        batch.append(name: "http_requests_total", labels: [("code", "500"), ("path", "/")], value: 2, timestamp: 0, kind: .counter)
        batch.append(name: "temperature", value: 21.5, timestamp: 0, kind: .gauge)
        batch.append(name: "a_first", labels: [("x", "1")], value: -1, timestamp: 0, kind: .gauge)
        try await send(batch)
        XCTAssertEqual(try scrape(), """
            # HELP a_first a_first
            # TYPE a_first gauge
            a_first{x="1"} -1
            # HELP http_requests_total http_requests_total
            # TYPE http_requests_total counter
            http_requests_total{code="200",path="/"} 10
            http_requests_total{code="500",path="/"} 2
            # HELP temperature temperature
            # TYPE temperature gauge
            temperature 21.5

            """, "families sorted by name, labels sorted by name, one # HELP and # TYPE per family")
    }

    func testLabelValuesAreEscaped() async throws {
        var batch = MetricBatch()
        batch.append(name: "m", labels: [("v", "a\"b\\c\nd")], value: 1, timestamp: 0, kind: .gauge)
        try await send(batch)
        XCTAssertEqual(try scrape(), "# HELP m m\n# TYPE m gauge\nm{v=\"a\\\"b\\\\c\\nd\"} 1\n")
    }

    func testSummaryFamilyIsGroupedUnderOneTypeLine() async throws {
        var batch = MetricBatch()
        batch.append(name: "latency_sum", value: 12.5, timestamp: 0, kind: .summary)
        batch.append(name: "latency_count", value: 40, timestamp: 0, kind: .summary)
        batch.append(name: "latency", labels: [("quantile", "0.99")], value: 0.75, timestamp: 0, kind: .summary)
        batch.append(name: "latency", labels: [("quantile", "0.5")], value: 0.25, timestamp: 0, kind: .summary)
        batch.append(name: "latency_other", value: 1, timestamp: 0, kind: .gauge)
        batch.append(name: "req_bucket", labels: [("le", "+Inf")], value: 9, timestamp: 0, kind: .histogram)
        batch.append(name: "req_sum", value: 3, timestamp: 0, kind: .histogram)
        batch.append(name: "req_count", value: 9, timestamp: 0, kind: .histogram)
        try await send(batch)
        XCTAssertEqual(try scrape(), """
            # HELP latency latency
            # TYPE latency summary
            latency{quantile="0.5"} 0.25
            latency{quantile="0.99"} 0.75
            latency_count 40
            latency_sum 12.5
            # HELP latency_other latency_other
            # TYPE latency_other gauge
            latency_other 1
            # HELP req req
            # TYPE req histogram
            req_bucket{le="+Inf"} 9
            req_count 9
            req_sum 3

            """)
    }

    /// Buckets in increasing numeric order (not as text: 10 after 2.5), each label set's
    /// buckets together, as the text format requires.
    func testHistogramBucketsInNumericOrderPerLabelSet() async throws {
        var batch = MetricBatch()
        for app in ["b", "a"] {
            for le in ["+Inf", "10", "2.5", "0.5", "1", "0.005"] {
                batch.append(name: "d_bucket", labels: [("le", le), ("app", app)], value: 1, timestamp: 0, kind: .histogram)
            }
            batch.append(name: "d_count", labels: [("app", app)], value: 1, timestamp: 0, kind: .histogram)
        }
        try await send(batch)
        let lines = try scrape().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["# HELP d d", "# TYPE d histogram"]
            + ["a", "b"].flatMap { app in
                ["0.005", "0.5", "1", "2.5", "10", "+Inf"].map { "d_bucket{app=\"\(app)\",le=\"\($0)\"} 1" } + ["d_count{app=\"\(app)\"} 1"]
            })
    }

    func testLatestValueWins() async throws {
        var first = MetricBatch()
        first.append(name: "jobs_total", labels: [("q", "a")], value: 1, timestamp: 0, kind: .counter)
        first.append(name: "jobs_total", labels: [("q", "b")], value: 5, timestamp: 0, kind: .counter)
        try await send(first)
        XCTAssertEqual(try scrape(), "# HELP jobs_total jobs_total\n# TYPE jobs_total counter\njobs_total{q=\"a\"} 1\njobs_total{q=\"b\"} 5\n")
        var second = MetricBatch()
        second.append(name: "jobs_total", labels: [("q", "a")], value: 3, timestamp: 0, kind: .counter)
        second.append(name: "jobs_total", labels: [("q", "a")], value: 4, timestamp: 0, kind: .counter)
        try await send(second)
        XCTAssertEqual(try scrape(), "# HELP jobs_total jobs_total\n# TYPE jobs_total counter\njobs_total{q=\"a\"} 4\njobs_total{q=\"b\"} 5\n",
                       "one line per series, the latest sample; other series stay")
    }

    func testSpecialValues() async throws {
        var batch = MetricBatch()
        batch.append(name: "v", labels: [("k", "inf")], value: .infinity, timestamp: 0, kind: .gauge)
        batch.append(name: "v", labels: [("k", "nan")], value: .nan, timestamp: 0, kind: .gauge)
        batch.append(name: "v", labels: [("k", "neg")], value: -.infinity, timestamp: 0, kind: .gauge)
        batch.append(name: "v", labels: [("k", "small")], value: 1e-9, timestamp: 0, kind: .gauge)
        try await send(batch)
        XCTAssertEqual(try scrape(), "# HELP v v\n# TYPE v gauge\nv{k=\"inf\"} +Inf\nv{k=\"nan\"} NaN\nv{k=\"neg\"} -Inf\nv{k=\"small\"} 1e-09\n")
    }

    func testSeriesStoreExpiry() {
        let store = SeriesStore()
        var batch = MetricBatch()
        batch.append(name: "old", value: 1, timestamp: 0, kind: .gauge)
        store.update(batch)
        store.expire(olderThan: WallClock.nanoseconds() + 1)
        XCTAssertEqual(String(buffer: store.render()), "")
        store.update(batch)
        store.expire(olderThan: WallClock.nanoseconds() - 60_000_000_000)
        XCTAssertEqual(String(buffer: store.render()), "# HELP old old\n# TYPE old gauge\nold 1\n")
    }
}

final class PrometheusExporterConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] {
        let registry = ComponentRegistry(TestComponents().registry.types + [PrometheusExporterOutputConfig.componentType])
        return ConfigLoader.load(text: """
            inputs:
              src: { type: sequence }
            outputs:
              exporter: { type: prometheus_exporter, inputs: [src]\(options) }
            """, file: "p.yaml", registry: registry).errors.map(\.description)
    }

    func testAcceptsOnlyMetricsAndChecksOptions() {
        XCTAssertEqual(errors(", listen: nowhere, expire_after: 10ms"), [
            "p.yaml:4:50: outputs.exporter.inputs: 'src' (sequence) produces logs but prometheus_exporter 'exporter' accepts only metrics",
            "p.yaml:4:65: outputs.exporter.listen: expected an address like \"127.0.0.1:9598\", got 'nowhere'",
            "p.yaml:4:88: outputs.exporter.expire_after: must be at least 1s, got '10ms'",
        ])
    }

    func testPortInUseFailsAtPrepare() async throws {
        let first = FeedInput()
        let holder = try await RunningPipeline("""
            inputs:
              src: { type: metric_source }
            outputs:
              exporter: { type: prometheus_exporter, inputs: [src], listen: "127.0.0.1:0" }
            """) { $0.provide("src", .input(first)) }
        let port = holder.output("exporter", as: PrometheusExporterOutput.self)!.boundPort.load(ordering: .relaxed)
        do {
            _ = try await RunningPipeline("""
                inputs:
                  src: { type: metric_source }
                outputs:
                  exporter: { type: prometheus_exporter, inputs: [src], listen: "127.0.0.1:\(port)" }
                """)
            XCTFail("binding a taken port should fail")
        } catch {
            XCTAssertEqual("\(error)", "outputs.exporter: cannot listen on 127.0.0.1:\(port): Address already in use")
        }
        first.feed.finish()
        try await holder.stop()
        // Once the pipeline stopped the port is free again.
        XCTAssertThrowsError(try RawHTTP.get(port: port, path: "/metrics"))
    }
}
