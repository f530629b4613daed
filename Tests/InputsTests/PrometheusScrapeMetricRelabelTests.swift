@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// `metric_relabel` on scraped samples: Prometheus' `metric_relabel_configs`, run after the
/// target labels and `honor_labels`, before stale tracking; `up` and `scrape_*` untouched.
final class PrometheusScrapeMetricRelabelTests: PrometheusScrapeServerTestCase {
    static let page = """
        # TYPE http_requests_total counter
        http_requests_total{code="200"} 1027
        http_requests_total{code="500"} 3
        # TYPE go_goroutines gauge
        go_goroutines 12
        go_threads 8

        """

    private static let scrapeSeries = ["up", "scrape_duration_seconds", "scrape_samples_scraped",
                                       "scrape_samples_post_metric_relabeling"]

    override func setUp() async throws {
        try await super.setUp()
        server.set("/metrics", .init(Self.page))
    }

    /// The first scrape with the `metric_relabel` rules `rules` (a YAML flow list) and `options`.
    private func firstScrape(_ rules: String, _ options: String = "") async throws -> [ScrapedSample] {
        let pipeline = try await RunningPipeline.scrape(
            "targets: [\"\(address)\"], interval: 5s, metric_relabel: \(rules)" + (options.isEmpty ? "" : ", " + options))
        try await eventually { !pipeline.scrapes.isEmpty }
        let first = pipeline.scrapes[0]
        try await pipeline.stop()
        return first
    }

    /// The scraped (not `up`/`scrape_*`) samples as `name{label="value",…}`, labels sorted.
    private func series(_ samples: [ScrapedSample]) -> [String] {
        samples.filter { !Self.scrapeSeries.contains($0.name) }.map { sample in
            let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
            return sample.name + "{" + labels.joined(separator: ",") + "}"
        }
    }

    func testDropAndThePostRelabelingCount() async throws {
        let samples = try await firstScrape(#"[{source_labels: [__name__], regex: "go_.*", action: drop}]"#)
        XCTAssertEqual(series(samples), [#"http_requests_total{code="200",instance="\#(address)",job="scrape"}"#,
                                         #"http_requests_total{code="500",instance="\#(address)",job="scrape"}"#])
        XCTAssertEqual(samples.value("scrape_samples_scraped"), 4)
        XCTAssertEqual(samples.value("scrape_samples_post_metric_relabeling"), 2)
        XCTAssertEqual(samples.value("up"), 1)
    }

    func testKeepLeavesTheScrapeSeriesAlone() async throws {
        // `up` and `scrape_*` have no `code`: a keep on it would drop them, were they relabeled.
        let samples = try await firstScrape(#"[{source_labels: [code], regex: "2..", action: keep}]"#)
        XCTAssertEqual(series(samples), [#"http_requests_total{code="200",instance="\#(address)",job="scrape"}"#])
        XCTAssertEqual(samples.filter { Self.scrapeSeries.contains($0.name) }.map(\.name), Self.scrapeSeries)
        for sample in samples where Self.scrapeSeries.contains(sample.name) {
            XCTAssertEqual(sample.labels, ["instance": address, "job": "scrape"], sample.description)
        }
        XCTAssertEqual(samples.value("scrape_samples_post_metric_relabeling"), 1)
    }

    func testReplaceSeesTheTargetLabelsAndMayRename() async throws {
        let samples = try await firstScrape(#"""
            [{source_labels: [instance], regex: '([^:]+):\d+', target_label: host},
             {source_labels: [__name__], regex: 'go_(.*)', target_label: __name__, replacement: 'golang_$1'},
             {source_labels: [code], target_label: __tmp_code},
             {source_labels: [__tmp_code], regex: '5..', target_label: failed, replacement: 'yes'}]
            """#)
        XCTAssertEqual(series(samples), [
            #"http_requests_total{code="200",host="127.0.0.1",instance="\#(address)",job="scrape"}"#,
            #"http_requests_total{code="500",failed="yes",host="127.0.0.1",instance="\#(address)",job="scrape"}"#,
            #"golang_goroutines{host="127.0.0.1",instance="\#(address)",job="scrape"}"#,
            #"golang_threads{host="127.0.0.1",instance="\#(address)",job="scrape"}"#,
        ], "labels starting __ are removed after relabeling")
        XCTAssertEqual(samples.value("scrape_samples_post_metric_relabeling"), 4)
    }

    func testLabeldropAfterHonorLabels() async throws {
        // honor_labels: false renames the exposed `job` first; the rules see `exported_job`.
        server.set("/metrics", .init("m{job=\"app\",code=\"200\"} 1\n"))
        let samples = try await firstScrape("[{regex: 'code|exported_.*', action: labeldrop}]")
        XCTAssertEqual(series(samples), [#"m{instance="\#(address)",job="scrape"}"#])
    }

    func testSampleLimitCountsTheSamplesKept() async throws {
        let samples = try await firstScrape(#"[{source_labels: [code], regex: "200", action: keep}]"#, "sample_limit: 1")
        XCTAssertEqual(samples.value("up"), 1, "\(samples)")
        XCTAssertEqual(series(samples).count, 1)
    }

    func testStaleMarkersFollowTheRelabeledSeries() async throws {
        let pipeline = try await RunningPipeline.scrape("""
            targets: ["\(address)"], interval: 200ms,
            metric_relabel: [{source_labels: [__name__], regex: 'go_(.*)', target_label: __name__, replacement: 'golang_$1'},
                             {source_labels: [__name__], regex: 'http_.*', action: drop}]
            """)
        try await eventually { !pipeline.scrapes.isEmpty }
        server.set("/metrics", .init("go_threads 9\n"))
        try await eventually { pipeline.scrapes.contains { $0.contains(where: \.isStale) } }
        let scrapes = pipeline.scrapes
        try await pipeline.stop()
        let stale = try XCTUnwrap(scrapes.first { $0.contains(where: \.isStale) }).filter(\.isStale)
        XCTAssertEqual(stale.map(\.name), ["golang_goroutines"], "dropped series never had a sample to go stale")
    }

    func testABadRuleIsReportedAtItsPosition() {
        var registry = TestComponents().registry
        registry.register(PrometheusScrapeInputConfig.componentType)
        let outcome = ConfigLoader.load(text: """
            inputs:
              scrape:
                type: prometheus_scrape
                targets: ["h:1"]
                metric_relabel:
                  - {source_labels: [job], action: keep}
                  - {action: hashmod, target_label: shard}
                  - source_labels: [job]
                    regex: '(a|b'
                    action: keep
            outputs:
              out: { type: capture, inputs: [scrape] }
            """, file: "p.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "p.yaml:7:9: inputs.scrape.metric_relabel[1]: relabel configuration for hashmod requires non-zero modulus",
            "p.yaml:9:16: inputs.scrape.metric_relabel[2].regex: not a valid PCRE2 pattern: missing closing parenthesis at offset 4: (a|b>>>",
        ])
    }
}
