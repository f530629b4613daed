@testable import Inputs
import NIOHTTP1
import Pipeline
import PipelineTesting
import XCTest

/// Stale markers (`PrometheusScrapeStaleness`): which vanished series get one, and with which labels.
/// Each test serves a sequence of pages and looks at the first scrape of each.
final class PrometheusScrapeStalenessTests: PrometheusScrapeServerTestCase {
    /// One page of a sequence; `fails` serves a 500 instead.
    private struct Step {
        var text = ""
        var gzip = false
        var fails = false
    }


    /// Serves each step's page until a scrape has read it, and returns that first scrape of each.
    /// A page gets a line `phase <step>` ahead of its text, by which its scrape is found (a failed
    /// one by `up 0` after the previous step's).
    private func run(_ steps: [Step], _ options: String = "") async throws -> [[ScrapedSample]] {
        var pipeline: RunningPipeline?
        var firsts: [[ScrapedSample]] = []
        var seen = 0
        do {
            for (i, step) in steps.enumerated() {
                server.set("/metrics", step.fails ? .init("boom\n", status: .internalServerError)
                                                  : .init("phase \(i)\n" + step.text, gzip: step.gzip))
                if pipeline == nil {
                    pipeline = try await RunningPipeline.scrape("targets: [\"\(address)\"], interval: 200ms" + options)
                }
                func isStep(_ scrape: [ScrapedSample]) -> Bool {
                    step.fails ? scrape.value("up") == 0 : scrape.value("phase") == Double(i)
                }
                var found: (index: Int, scrape: [ScrapedSample])?
                try await eventually("a scrape of step \(i)") {
                    let scrapes = pipeline!.scrapes
                    found = scrapes.indices.dropFirst(seen).first { isStep(scrapes[$0]) }.map { ($0, scrapes[$0]) }
                    return found != nil
                }
                firsts.append(found!.scrape)
                seen = found!.index + 1
            }
            try await pipeline?.stop()
        } catch {
            try? await pipeline?.stop()
            throw error
        }
        return firsts
    }

    /// The scrape's stale markers as `name{label="value",…}`, labels sorted, in batch order.
    private func stale(_ scrape: [ScrapedSample]) -> [String] {
        scrape.filter(\.isStale).map(Self.series)
    }

    private static func series(_ sample: ScrapedSample) -> String {
        let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return sample.name + "{" + labels.joined(separator: ",") + "}"
    }

    // MARK: label order

    func testLabelsInAnotherOrderAreTheSameSeries() async throws {
        let scrapes = try await run([Step(text: "a{x=\"1\",y=\"2\"} 1\n"), Step(text: "a{y=\"2\",x=\"1\"} 1\n"),
                                     Step(text: "")])
        XCTAssertEqual(stale(scrapes[1]), [], "a reordered label set is the same series")
        XCTAssertEqual(stale(scrapes[2]), [#"a{instance="\#(address)",job="scrape",x="1",y="2"}"#],
                       "the series, gone at last, is marked once")
    }

    func testAnEmptyLabelIsNoLabel() async throws {
        // Prometheus drops labels with an empty value: `b{x=""}` is `b`.
        let scrapes = try await run([Step(text: "b{x=\"\"} 1\n"), Step(text: "b 1\n")])
        XCTAssertEqual(stale(scrapes[1]), [])
    }

    // MARK: explicit timestamps

    func testASampleWithItsOwnTimestampIsNotMarked() async throws {
        let scrapes = try await run([Step(text: "stamped 1 1700000000000\nplain 1\nkept 1\n"), Step(text: "kept 1\n")])
        XCTAssertEqual(scrapes[0].first { $0.name == "stamped" }?.timestamp, 1_700_000_000_000)
        XCTAssertEqual(stale(scrapes[1]), [#"plain{instance="\#(address)",job="scrape"}"#],
                       "as Prometheus, only samples without a timestamp are tracked")
    }

    // MARK: metric_relabel

    func testMetricRelabelDropsAreNotTrackedAndRenamesAreMarkedRenamed() async throws {
        let relabel = """
            , metric_relabel: [{source_labels: [__name__], regex: dropped_metric, action: drop},
                               {source_labels: [__name__], regex: 'old_(.*)', target_label: __name__, replacement: 'new_$1'}]
            """
        let scrapes = try await run([Step(text: "dropped_metric{k=\"v\"} 1\nold_name{k=\"v\"} 2\nkept 3\n"),
                                     Step(text: "kept 3\n")], relabel)
        XCTAssertFalse(scrapes[0].contains { $0.name == "dropped_metric" || $0.name == "old_name" }, "\(scrapes[0])")
        let renamed = try XCTUnwrap(scrapes[0].first { $0.name == "new_name" })
        XCTAssertEqual(stale(scrapes[1]), [#"new_name{instance="\#(address)",job="scrape",k="v"}"#],
                       "the dropped series had no sample to go stale; the renamed one goes stale by its new name")
        XCTAssertEqual(scrapes[1].first(where: \.isStale)?.labels, renamed.labels)
    }

    // MARK: the marker's labels are the last sample's

    func testTheMarkerCarriesTheLabelsOfTheLastSample() async throws {
        let page = "# TYPE m counter\nm{job=\"app\",instance=\"inner\",z=\"1\"} 5\nstays 1\n"
        for honor in [false, true] {
            let scrapes = try await run([Step(text: page), Step(text: "stays 1\n")], ", honor_labels: \(honor)")
            let last = try XCTUnwrap(scrapes[0].first { $0.name == "m" }, "honor_labels: \(honor)")
            let markers = scrapes[1].filter(\.isStale)
            XCTAssertEqual(markers.count, 1, "honor_labels: \(honor): \(markers)")
            XCTAssertEqual(markers.first?.name, "m")
            XCTAssertEqual(markers.first?.labels, last.labels, "honor_labels: \(honor)")
            XCTAssertEqual(markers.first?.kind, .counter)
            XCTAssertEqual(markers.first?.timestamp, scrapes[1].first { $0.name == "up" }?.timestamp,
                           "the marker is stamped with the scrape's time")
            let expected = honor ? ["job": "app", "instance": "inner", "z": "1"]
                                 : ["job": "scrape", "exported_job": "app", "instance": address,
                                    "exported_instance": "inner", "z": "1"]
            XCTAssertEqual(last.labels, expected, "honor_labels: \(honor)")
        }
    }

    // MARK: a series listed twice

    func testADuplicatedSeriesIsMarkedOnce() async throws {
        let scrapes = try await run([Step(text: "dup{k=\"v\"} 1\ndup{k=\"v\"} 2\nother 1\n"), Step(text: "other 1\n")])
        XCTAssertEqual(scrapes[0].filter { $0.name == "dup" }.map(\.value), [1], "the repeat is dropped, the first kept")
        XCTAssertEqual(stale(scrapes[1]), [#"dup{instance="\#(address)",job="scrape",k="v"}"#])
    }

    // MARK: a failing target

    func testAFailedScrapeMarksTheLastPageAndIsForgotten() async throws {
        let page = "a 1\nb{x=\"1\"} 2\nstamped 3 1700000000000\n"
        let scrapes = try await run([Step(text: page), Step(fails: true), Step(text: page), Step(fails: true),
                                     Step(text: "a 1\n")])
        let all = [#"phase{instance="\#(address)",job="scrape"}"#, #"a{instance="\#(address)",job="scrape"}"#,
                   #"b{instance="\#(address)",job="scrape",x="1"}"#]
        XCTAssertEqual(stale(scrapes[1]), all, "every tracked series of the last page, and nothing else")
        XCTAssertEqual(scrapes[1].filter { !$0.isStale }.map(\.name),
                       ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling"])
        XCTAssertEqual(stale(scrapes[2]), [], "the page is back: nothing goes stale again")
        XCTAssertEqual(stale(scrapes[3]), all, "the page came back, so it goes stale again")
        XCTAssertEqual(stale(scrapes[4]), [], "b was marked when the target failed; not again when it is back without b")
    }

    // MARK: gzip

    func testAGzippedPageIsKeptGunzipped() async throws {
        // Large enough to arrive (and be gunzipped) in several chunks, lines split across them.
        let lines = (0..<3000).map { "s{i=\"\($0)\",pad=\"\(String(repeating: "x", count: 1 + $0 % 50))\"} \($0)\n" }
        let next = lines.enumerated().filter { $0.offset != 1500 && $0.offset != 2999 }.map(\.element)
        let scrapes = try await run([Step(text: lines.joined(), gzip: true), Step(text: next.joined(), gzip: true)])
        XCTAssertEqual(scrapes[0].filter { $0.name == "s" }.count, 3000)
        XCTAssertEqual(scrapes[1].filter(\.isStale).map { $0.labels["i"] }, ["1500", "2999"])
        XCTAssertEqual(scrapes[1].filter(\.isStale).map { $0.labels["pad"]?.count }, [1, 50])
    }
}
