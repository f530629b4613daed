import Foundation
import PipelineTesting
import XCTest

/// Issue 9: pipectl's `prometheus_scrape` + `relabel` beside real vmagent and real Prometheus,
/// on the same targets (a real node_exporter and a page the test serves) and the same rules
/// (`ScrapeDifferentialRules`: every relabel action), series sets compared; and pipectl's stale
/// markers as Prometheus' remote-write receiver reads them.
///
/// Prometheus 2.42 is the reference for relabel semantics: it knows every action pipectl does
/// (lowercase/uppercase since 2.36, keepequal/dropequal since 2.41). vmagent 1.79 spells
/// keepequal/dropequal differently (see the rules) and hashes differently (below).
final class ScrapeDifferentialTests: XCTestCase {
    /// Per-scrape series that only some of the three write, left out of every comparison:
    /// `scrape_series_added` (Prometheus and vmagent; pipectl emits `up`,
    /// `scrape_duration_seconds`, `scrape_samples_scraped` and
    /// `scrape_samples_post_metric_relabeling`, as SPEC.md lists) and `scrape_timeout_seconds`
    /// (vmagent only).
    private static let peerOnlySeries: Set = ["scrape_series_added", "scrape_timeout_seconds"]

    /// Series whose values legitimately differ, compared by labels only: the scrape's duration,
    /// and `scrape_samples_post_metric_relabeling`, which pipectl counts before its downstream
    /// relabel transform (it has no `metric_relabel` yet) and the peers after their rules.
    private static let valueExempt: Set = ["scrape_duration_seconds", "scrape_samples_post_metric_relabeling"]

    /// The static target's page: label values needing escapes, an empty label value, exposed
    /// `job`/`instance` (→ `exported_*` under honor_labels: false), histogram, summary, NaN and
    /// ±Inf, untyped series, and a sample with its own timestamp.
    private static func page(timestamp: Date) -> String {
        #"""
        # HELP diff_requests_total Requests, with label values that need escapes.
        # TYPE diff_requests_total counter
        diff_requests_total{method="GET",path="/a\"b\\c\nd",code="200"} 12
        diff_requests_total{method="POST",path="",code="500"} 3
        # TYPE diff_temperature gauge
        diff_temperature{job="exposed-job",instance="exposed:1",room="Kitchen"} 21.5
        diff_temperature{room="Ärger ß"} NaN
        diff_temperature{room="attic"} +Inf
        diff_temperature{room="cellar"} -Inf
        # TYPE diff_latency_seconds histogram
        diff_latency_seconds_bucket{le="0.1"} 1
        diff_latency_seconds_bucket{le="1"} 3
        diff_latency_seconds_bucket{le="+Inf"} 4
        diff_latency_seconds_sum 2.5
        diff_latency_seconds_count 4
        # TYPE diff_rpc_seconds summary
        diff_rpc_seconds{quantile="0.5"} 0.2
        diff_rpc_seconds{quantile="0.99"} NaN
        diff_rpc_seconds_sum 10
        diff_rpc_seconds_count 40
        diff_pair{left="x",right="x"} 1
        diff_pair{left="x",right="y"} 2
        diff_mirror{name_copy="diff_mirror",v="1"} 1
        diff_mirror{name_copy="other",v="2"} 2
        diff_untyped{team="Core",legacy="yes"} 7
        diff_timestamped 42 \#(Int(timestamp.timeIntervalSince1970 * 1000))

        """#
    }

    func testPipectlKeepsTheSeriesVmagentAndPrometheusKeep() throws {
        let began = Date()
        let dir = try temporaryDirectory(self)
        let node = try ScrapeDifferentialPeers.nodeExporter(self, in: dir)
        let target = try ScrapeDifferentialTarget(self, in: dir, name: "static", page: Self.page(timestamp: began))
        let targets = [node, target.address]
        let vmagentStore = try ScrapeDifferentialPeers.victoriaMetrics(self, in: dir, name: "vm-vmagent")
        let pipectlStore = try ScrapeDifferentialPeers.victoriaMetrics(self, in: dir, name: "vm-pipectl")
        let prometheus = try ScrapeDifferentialPeers.prometheus(
            self, in: dir, scrapeConfigs: ScrapeDifferentialPeers.scrapeConfigs(job: "diff", targets: targets, rules: .prometheus))
        try ScrapeDifferentialPeers.vmagent(
            self, in: dir, scrapeConfigs: ScrapeDifferentialPeers.scrapeConfigs(job: "diff", targets: targets, rules: .vmagent),
            into: vmagentStore)
        let (_, log) = try ScrapeDifferentialPeers.pipectl(
            self, in: dir, job: "diff", targets: targets, rules: ScrapeDifferentialRules.yaml(.pipectl, indent: 6),
            url: "http://127.0.0.1:\(pipectlStore.port)/api/v1/write")
        let stores = [prometheus, vmagentStore, pipectlStore]

        try poll(#"up{job="diff"} == 1 for both targets in all three stores"#, timeout: 20,
                 detail: { "pipectl: \(ScrapeDifferentialPeers.text(log))" }) {
            vmagentStore.flush()
            pipectlStore.flush()
            return stores.allSatisfy { (try? $0.query(#"up{job="diff"} == 1"#))?.count == 2 }
        }
        // A scrape is written whole, but the stores may still take in its last request: the
        // sets only grow (series of the last hour), so wait a little for them to agree.
        var differences = (pipectl: "?", vmagent: "?")
        try? poll("the series sets agree", timeout: 10) {
            vmagentStore.flush()
            pipectlStore.flush()
            differences = try seriesDifferences(prometheus: prometheus, vmagent: vmagentStore, pipectl: pipectlStore)
            return differences.pipectl.isEmpty && differences.vmagent.isEmpty
        }
        XCTAssertEqual(differences.pipectl, "", "pipectl's series differ from Prometheus':\n\(differences.pipectl)")
        XCTAssertEqual(differences.vmagent, "", "vmagent's series differ from Prometheus':\n\(differences.vmagent)")
        try checkValues(of: target.address, prometheus: prometheus, vmagent: vmagentStore, pipectl: pipectlStore)
        try checkRulesActed(prometheus.series(#"{job="diff"}"#), target: target.address,
                            nodePage: metricsPage(port: Int(node.split(separator: ":")[1])!))
        print("scrape differential: series sets compared; took \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
    }

    /// The differences of pipectl's and vmagent's series sets from Prometheus', each side with
    /// what legitimately differs taken out; "" when equal.
    private func seriesDifferences(prometheus: VictoriaMetricsQueryAPI, vmagent: VictoriaMetricsQueryAPI,
                                   pipectl: VictoriaMetricsQueryAPI) throws -> (pipectl: String, vmagent: String) {
        let selector = #"{job="diff"}"#
        let common = { (labels: LabelSet) in !Self.peerOnlySeries.contains(labels["__name__"] ?? "") }
        // VictoriaMetrics (1.79) drops NaN samples when it ingests them, from vmagent and pipectl
        // alike, so the page's NaN series never reach either store; Prometheus keeps them.
        // `testPrometheusSeesPipectlStaleMarkers` checks that pipectl sends a NaN as a NaN.
        let nan = Set(try prometheus.query(selector).filter { $0.value.isNaN }.map(\.labels))
        let reference = Set(try prometheus.series(selector).filter(common)).subtracting(nan)
        let fromPipectl = Set(try pipectl.series(selector).filter(common))
        let fromVmagent = Set(try vmagent.series(selector).filter(common))
        return (seriesDifference(fromPipectl, "pipectl", reference, "Prometheus"),
                seriesDifference(Self.unsharded(fromVmagent), "vmagent", Self.unsharded(reference), "Prometheus"))
    }

    /// vmagent's `hashmod` hashes with xxhash, not Prometheus' MD5 (`hashmod` of "" mod 8 is
    /// 1 in vmagent, 6 in Prometheus), so against vmagent the hashed `shard` label and the
    /// hash-sampled `node_cpu_seconds_total` are left out; against Prometheus they are compared.
    private static func unsharded(_ series: Set<LabelSet>) -> Set<LabelSet> {
        Set(series.filter { $0["__name__"] != "node_cpu_seconds_total" }.map { labels in
            var labels = labels
            labels["shard"] = nil
            return labels
        })
    }

    /// The static target's values agree too (node_exporter's move with time): pipectl's with
    /// Prometheus', vmagent's with Prometheus' but for the shard label.
    private func checkValues(of target: String, prometheus: VictoriaMetricsQueryAPI, vmagent: VictoriaMetricsQueryAPI,
                             pipectl: VictoriaMetricsQueryAPI) throws {
        let selector = #"{job="diff",instance="\#(target)"}"#
        func values(_ store: VictoriaMetricsQueryAPI, unsharded: Bool = false) throws -> [LabelSet: Double] {
            var out: [LabelSet: Double] = [:]
            for (labels, value) in try store.query(selector) where !value.isNaN {
                let name = labels["__name__"] ?? ""
                guard !Self.peerOnlySeries.contains(name), !Self.valueExempt.contains(name) else { continue }
                var key = labels
                if unsharded { key["shard"] = nil }
                out[key] = value
            }
            return out
        }
        let reference = try values(prometheus)
        XCTAssertEqual(reference.count, 19, "the page's samples the rules keep, not NaN, and up and scrape_samples_scraped")
        func describe(_ values: [LabelSet: Double]) -> String {
            values.map { "\($0.key.notation) \($0.value)" }.sorted().joined(separator: "\n")
        }
        XCTAssertEqual(describe(try values(pipectl)), describe(reference), "pipectl's values for the static target")
        XCTAssertEqual(describe(try values(vmagent, unsharded: true)), describe(try values(prometheus, unsharded: true)),
                       "vmagent's values for the static target")
    }

    /// The rules did something, so equal sets are not trivially equal: checked on Prometheus'
    /// set, which pipectl's equals.
    private func checkRulesActed(_ series: [LabelSet], target: String, nodePage: [PrometheusSample]) {
        let all = Set(series.map(\.notation))
        let labels = #"instance="\#(target)",job="diff""#, port = #"target_port="port_\#(target.split(separator: ":")[1])""#
        for expected in [
            #"diff_temperature_celsius{\#(labels),orig_instance="exposed:1",orig_job="exposed-job",room="Kitchen","#
                + #"room_upper="KITCHEN",room_word="room-Kitchen",\#(port)}"#,
            #"diff_requests_total{code="200",\#(labels),method="get",path="/a\"b\\c\nd",shard="7",\#(port)}"#,
            #"diff_untyped{\#(labels),\#(port),team="Core"}"#,
        ] {
            XCTAssertTrue(all.contains(expected), "expected \(expected) among\n\(all.sorted().joined(separator: "\n"))")
        }
        XCTAssertEqual(series.filter { $0["__name__"] == "diff_pair" }.map { $0["right"] }, ["x"], "keepequal")
        XCTAssertEqual(series.filter { $0["__name__"] == "diff_mirror" }.map { $0["name_copy"] }, ["other"], "dropequal")
        XCTAssertEqual(series.filter { $0.keys.contains { $0.hasPrefix("exported_") || $0.hasPrefix("__tmp") || $0 == "legacy" } }, [])
        let cpu = series.filter { $0["__name__"] == "node_cpu_seconds_total" }
        let exposed = nodePage.filter { $0.name == "node_cpu_seconds_total" && !["steal", "irq"].contains($0.labels["mode"]) }
        XCTAssertFalse(cpu.contains { ["steal", "irq"].contains($0["mode"]) }, "drop")
        XCTAssertTrue((1..<exposed.count).contains(cpu.count), "hashmod + keep sampled \(cpu.count) of \(exposed.count) cpu series")
    }

    /// The stale-marker target's page; `gone` is the series the test then takes away.
    private static func stalePage(withGone: Bool) -> String {
        "# TYPE stale_kept gauge\nstale_kept 1\nstale_nan NaN\n" + (withGone ? "stale_gone{k=\"v\"} 2\n" : "")
    }

    /// pipectl scrapes a target and remote-writes into Prometheus (its receiver on). A series
    /// that leaves the page, then every series of a target that stops answering, vanishes from
    /// Prometheus' instant queries at the next scrape (1s), not after the 5-minute lookback:
    /// Prometheus read pipectl's stale markers. A NaN the page exposes stays a value.
    func testPrometheusSeesPipectlStaleMarkers() throws {
        let began = Date()
        let dir = try temporaryDirectory(self)
        let prometheus = try ScrapeDifferentialPeers.prometheus(self, in: dir, scrapeConfigs: "scrape_configs: []")
        let target = try ScrapeDifferentialTarget(self, in: dir, name: "stale", page: Self.stalePage(withGone: true))
        let (_, log) = try ScrapeDifferentialPeers.pipectl(self, in: dir, job: "stale", targets: [target.address], rules: nil,
                                                           url: "http://127.0.0.1:\(prometheus.port)/api/v1/write")
        let detail = { "pipectl: \(ScrapeDifferentialPeers.text(log))" }
        let gone = #"stale_gone{job="stale"}"#, kept = #"stale_kept{job="stale"}"#

        try poll("pipectl's samples in Prometheus", timeout: 20, detail: detail) { (try? prometheus.query(gone))?.count == 1 }
        let nan = try prometheus.query(#"stale_nan{job="stale"}"#)
        XCTAssertEqual(nan.count, 1, "a NaN sample is a value, not a stale marker")
        XCTAssertTrue(nan.first?.value.isNaN ?? false)

        try target.serve(Self.stalePage(withGone: false))
        let removed = Date()
        try poll("\(gone) stale in Prometheus", timeout: 10, detail: detail) { try prometheus.query(gone).isEmpty }
        XCTAssertLessThan(Date().timeIntervalSince(removed), 10, "marked stale at the next scrape, long before the 5 min lookback")
        XCTAssertEqual(try prometheus.query(kept).map(\.value), [1], "the other series carry on")
        // Over one range, the kept series has points up to its end; the gone one stops at its
        // marker (without one it would go on for the 5-minute lookback).
        var ranges: (kept: [[Double]], gone: [[Double]]) = ([], [])
        try poll("query_range shows \(gone) ending a second before \(kept)", timeout: 5, detail: { "\(ranges)" }) {
            let end = Date().timeIntervalSince1970, start = began.timeIntervalSince1970
            ranges = (try prometheusRangeTimestamps(port: prometheus.port, kept, start: start, end: end, step: 0.2),
                      try prometheusRangeTimestamps(port: prometheus.port, gone, start: start, end: end, step: 0.2))
            guard ranges.kept.count == 1, ranges.gone.count == 1, let keptEnd = ranges.kept[0].last,
                  let goneEnd = ranges.gone[0].last else { return false }
            return ranges.gone[0].count > 1 && keptEnd - goneEnd >= 1
        }

        // The whole target gone: up drops to 0, every series of its last good scrape is stale.
        target.stop()
        try poll(#"up{job="stale"} == 0 and the page's series stale"#, timeout: 10, detail: detail) {
            try prometheus.query(#"up{job="stale"}"#).map(\.value) == [0]
                && prometheus.query(#"{job="stale",__name__=~"stale_.+"}"#).isEmpty
        }
        print("scrape differential, stale markers: took \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
    }
}
