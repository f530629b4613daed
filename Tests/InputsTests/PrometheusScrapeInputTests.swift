@testable import Inputs
import NIOHTTP1
import Pipeline
import PipelineTesting
import XCTest

final class PrometheusScrapeInputTests: PrometheusScrapeServerTestCase {
    static let plain = """
        # HELP http_requests_total Requests.
        # TYPE http_requests_total counter
        http_requests_total{code="200"} 1027
        http_requests_total{code="500"} 3 1395066363000
        # TYPE temperature gauge
        temperature 21.5
        bare 1
        bad{ 2

        """

    static let openMetrics = """
        # TYPE rpc_seconds histogram
        rpc_seconds_bucket{le="0.1"} 8 # {trace_id="x"} 0.05
        rpc_seconds_bucket{le="+Inf"} 9
        rpc_seconds_sum 1.5
        rpc_seconds_count 9
        # TYPE build info
        build_info{version="1.2"} 1 1700000000.5
        # EOF

        """


    func testScrapes004AddsTargetLabelsAndScrapeSeries() async throws {
        server.set("/metrics", .init(Self.plain))
        let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms")
        try await eventually { pipeline.scrapes.count >= 2 }
        let scrapes = pipeline.scrapes
        let copies = pipeline.metrics("scrape").batchCopies.load(ordering: .relaxed)
        let bytes = pipeline.metrics("scrape").receivedBytes.load(ordering: .relaxed)
        try await pipeline.stop()
        XCTAssertEqual(copies, 0, "batches are built and handed over, never copied")
        XCTAssertGreaterThanOrEqual(bytes, 2 * Self.plain.utf8.count)
        let first = scrapes[0]
        XCTAssertEqual(first.count, 4 + 4, "\(first)")
        for sample in first {
            XCTAssertEqual(sample.labels["job"], "scrape", sample.description)
            XCTAssertEqual(sample.labels["instance"], address, sample.description)
        }
        XCTAssertEqual(first[0].labels["code"], "200")
        XCTAssertEqual(first[0].kind, .counter)
        XCTAssertEqual(first[1].timestamp, 1_395_066_363_000)
        XCTAssertEqual(first[2].kind, .gauge)
        XCTAssertEqual(first[3].kind, .untyped)
        XCTAssertEqual(first.value("up"), 1)
        XCTAssertEqual(first.value("scrape_samples_scraped"), 4)
        XCTAssertEqual(first.value("scrape_samples_post_metric_relabeling"), 4)
        XCTAssertNotNil(first.value("scrape_duration_seconds"))
        let headers = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(headers.first(name: "Accept"), PrometheusScraper.accept)
        XCTAssertEqual(headers.first(name: "Accept-Encoding"), "gzip")
        XCTAssertNil(headers.first(name: "Authorization"))
        XCTAssertGreaterThanOrEqual(pipeline.metrics("scrape").errorCounter("malformed_line").load(ordering: .relaxed), 1)
    }

    func testASampleRepeatingASeriesOfThePageIsDroppedAndCounted() async throws {
        // `a` twice (labels in another order the second time): the first is kept, as in Prometheus.
        server.set("/metrics", .init("a{x=\"1\",y=\"2\"} 1\nb 5\na{y=\"2\",x=\"1\"} 2\n"))
        let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms")
        try await eventually { pipeline.scrapes.count >= 2 }
        let scrapes = pipeline.scrapes
        let duplicates = pipeline.metrics("scrape").errorCounter("duplicate_series").load(ordering: .relaxed)
        try await pipeline.stop()
        for scrape in scrapes.prefix(2) {
            XCTAssertEqual(scrape.filter { $0.name == "a" }.map(\.value), [1])
            XCTAssertEqual(scrape.filter { $0.name == "b" }.map(\.value), [5])
        }
        XCTAssertGreaterThanOrEqual(duplicates, 2, "one per scrape")
    }

    func testOpenMetricsAndStaticConfigs() async throws {
        server.set("/om", .init(Self.openMetrics, contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8"))
        let pipeline = try await RunningPipeline.scrape("""
            job: api, metrics_path: /om, interval: 200ms,
            static_configs: [{ targets: ["\(address)"], labels: { env: prod } }]
            """)
        try await eventually { !pipeline.scrapes.isEmpty }
        let first = pipeline.scrapes[0]
        try await pipeline.stop()
        XCTAssertEqual(first.map(\.name), ["rpc_seconds_bucket", "rpc_seconds_bucket", "rpc_seconds_sum", "rpc_seconds_count",
                                           "build_info", "up", "scrape_duration_seconds", "scrape_samples_scraped",
                                           "scrape_samples_post_metric_relabeling"])
        XCTAssertEqual(first[0].kind, .histogram)
        XCTAssertEqual(first[4].kind, .gauge)
        XCTAssertEqual(first[4].timestamp, 1_700_000_000_500)
        XCTAssertEqual(first[4].labels, ["version": "1.2", "job": "api", "instance": address, "env": "prod"])
    }

    func testAuthorization() async throws {
        server.set("/metrics", .init(Self.plain))
        for (option, expected) in [("bearer_token: s3cret", "Bearer s3cret"),
                                   ("basic_auth: { username: u, password: p }", "Basic dTpw")] {
            let before = server.requests.count
            let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms, \(option)")
            try await eventually { self.server.requests.count > before }
            try await pipeline.stop()
            XCTAssertEqual(server.requests[before].first(name: "Authorization"), expected)
        }
    }

    func testGzippedBody() async throws {
        server.set("/metrics", .init(Self.plain, gzip: true))
        let pipeline = try await RunningPipeline.scrape("targets: [\"http://\(address)/metrics\"], interval: 200ms")
        try await eventually { !pipeline.scrapes.isEmpty }
        let first = pipeline.scrapes[0]
        try await pipeline.stop()
        XCTAssertEqual(first.value("up"), 1)
        XCTAssertEqual(first.value("temperature"), 21.5)
    }

    func testLimitsFailTheScrape() async throws {
        server.set("/metrics", .init(Self.plain))
        for (option, kind) in [("body_size_limit: 64", "body_size_limit"), ("sample_limit: 3", "sample_limit")] {
            let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms, \(option)")
            try await eventually { !pipeline.scrapes.isEmpty }
            let first = pipeline.scrapes[0]
            let errors = pipeline.metrics("scrape").errorCounter(kind).load(ordering: .relaxed)
            try await pipeline.stop()
            XCTAssertEqual(first.map(\.name), ["up", "scrape_duration_seconds", "scrape_samples_scraped",
                                               "scrape_samples_post_metric_relabeling"], option)
            XCTAssertEqual(first.value("up"), 0, option)
            XCTAssertGreaterThanOrEqual(errors, 1, option)
        }
    }

    func testSlowTargetTimesOutWithoutDelayingOthers() async throws {
        let other = try await PrometheusScrapeTestServer()
        defer { Task { await other.stop() } }
        server.set("/metrics", .init(Self.plain, delay: .seconds(3)))
        other.set("/metrics", .init("fast 1\n"))
        let fast = "127.0.0.1:\(other.port)"
        let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\", \"\(fast)\"], interval: 300ms, timeout: 250ms")
        try await eventually { pipeline.scrapes(of: fast).count >= 5 && !pipeline.scrapes(of: self.address).isEmpty }
        let slow = pipeline.scrapes(of: address)
        try await pipeline.stop()
        XCTAssertEqual(slow[0].value("up"), 0)
        XCTAssertLessThan(slow[0].value("scrape_duration_seconds")!, 1)
    }

    func testStaleMarkersForVanishedSeriesAndFailedTargets() async throws {
        server.set("/metrics", .init("a 1\nb{x=\"1\"} 2\n"))
        let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms")
        try await eventually { !pipeline.scrapes.isEmpty }
        server.set("/metrics", .init("a 1\n"))
        try await eventually { pipeline.scrapes.contains { $0.contains(where: \.isStale) } }
        server.set("/metrics", .init("gone", status: .notFound))
        try await eventually { pipeline.scrapes.contains { $0.value("up") == 0 } }
        let scrapes = pipeline.scrapes
        try await pipeline.stop()
        let vanished = try XCTUnwrap(scrapes.first { $0.contains(where: \.isStale) })
        XCTAssertEqual(vanished.filter(\.isStale).map(\.name), ["b"])
        XCTAssertEqual(vanished.first(where: \.isStale)?.labels["x"], "1")
        let failed = try XCTUnwrap(scrapes.first { $0.value("up") == 0 })
        XCTAssertEqual(failed.filter(\.isStale).map(\.name), ["a"])
        XCTAssertFalse(failed.contains { $0.name == "b" })
    }

    func testHonorLabels() async throws {
        server.set("/metrics", .init("m{job=\"inner\",instance=\"\",z=\"1\"} 1\n"))
        for (honor, expected) in [(false, ["exported_job": "inner", "job": "scrape", "instance": address, "z": "1"]),
                                  (true, ["job": "inner", "instance": address, "z": "1"])] {
            let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms, honor_labels: \(honor)")
            try await eventually { !pipeline.scrapes.isEmpty }
            let first = pipeline.scrapes[0]
            try await pipeline.stop()
            XCTAssertEqual(first[0].labels, expected, "honor_labels: \(honor)")
        }
    }

    func testAnExposedExportedLabelPushesTheRenamedOneFurther() async throws {
        server.set("/metrics", .init("m{job=\"inner\",exported_job=\"outer\"} 1\n"))
        let pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms")
        try await eventually { !pipeline.scrapes.isEmpty }
        let batch = pipeline.capture("out").batches.first
        try await pipeline.stop()
        guard case .metrics(let metrics)? = batch else { return XCTFail("no metric batch") }
        let pairs = metrics.labelPairs(0)
        XCTAssertEqual(pairs.map(\.0).sorted(), ["exported_exported_job", "exported_job", "instance", "job"],
                       "each name once, as Prometheus resolves it: \(pairs)")
        XCTAssertEqual(Dictionary(pairs, uniquingKeysWith: { $1 })["exported_exported_job"], "inner")
        XCTAssertEqual(Dictionary(pairs, uniquingKeysWith: { $1 })["exported_job"], "outer")
    }
}
