import Foundation
import PipelineTesting
import XCTest

/// The shipped `pipelines/forwarder.yaml`, run as is by the real binary with its addresses in
/// the environment: a real node_exporter scraped as job `apps`, plus this host's host_metrics,
/// → relabel → cardinality_limit → remote-write through the disk buffer into a real
/// VictoriaMetrics, whose query API then shows what arrived.
///
/// The pipeline's intervals are 15s, but a lone target is scraped at once (target *i* of *n*
/// starts at *i*·interval/*n*) and host_metrics collects at start, so the first samples reach
/// VictoriaMetrics about a second after start (the output's batch.timeout) and the test takes
/// a few seconds.
final class ForwarderPipelineTests: XCTestCase {
    private struct Ports {
        let victoria: Int, node: Int, api: Int
    }

    /// Series the scrape adds to every target's samples.
    private static let scrapeSeries: Set = ["up", "scrape_duration_seconds", "scrape_samples_scraped",
                                            "scrape_samples_post_metric_relabeling"]

    /// The names the pipeline's drop rule matches (`go_gc_duration_seconds.*|go_memstats_.*_total`, whole name).
    private static func dropped(_ name: String) -> Bool {
        name.hasPrefix("go_gc_duration_seconds") || (name.hasPrefix("go_memstats_") && name.hasSuffix("_total"))
    }

    func testTheShippedForwarderWritesNodeExporterAndHostMetricsToVictoriaMetrics() throws {
        let began = Date()
        let dir = try temporaryDirectory(self)
        let ports = try Ports(victoria: freeLoopbackPort(), node: freeLoopbackPort(), api: freeLoopbackPort())
        let target = "127.0.0.1:\(ports.node)"
        let vm = try ForwarderTestServer.started(self, "/usr/bin/victoria-metrics", [
            "-httpListenAddr=127.0.0.1:\(ports.victoria)", "-storageDataPath=\(dir.path)/vm", "-retentionPeriod=100y",
            "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR",
        ], port: ports.victoria, readyPath: "/health", in: dir)
        let node = try ForwarderTestServer.started(self, "/usr/bin/prometheus-node-exporter", [
            "--web.listen-address=\(target)", "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
            "--collector.loadavg",
        ], port: ports.node, readyPath: "/metrics", in: dir)
        let (pipectl, log) = try startForwarder(in: dir, ports: ports, target: target)
        let victoria = VictoriaMetricsQueryAPI(port: ports.victoria)
        let detail = { "\npipectl: \(Self.text(log))\nvictoria-metrics: \(vm.logText)\nnode_exporter: \(node.logText)" }

        // The first scrape and the first host_metrics collection, both at start.
        try poll("both MemTotal series and up{job=\"apps\"} in VictoriaMetrics", timeout: 20, detail: detail) {
            victoria.flush()
            let memTotal = (try? victoria.query("node_memory_MemTotal_bytes")) ?? []
            return memTotal.count == 2 && (try? victoria.query(#"up{job="apps"}"#))?.count == 1
        }
        // Everything the output took in so far is delivered, so what is missing now was dropped upstream.
        var admin: [PrometheusSample] = []
        try poll("the output delivered all it received", timeout: 20, detail: detail) {
            admin = try metricsPage(port: ports.api)
            let received = Self.sum("pipectl_component_received_events_total", "victoria", admin)
            return received > 0 && Self.sum("pipectl_component_sent_events_total", "victoria", admin) == received
                && Self.sum("pipectl_buffer_disk_events", "victoria", admin) == 0
        }
        victoria.flush()
        let page = try metricsPage(port: ports.node)
        try checkScrape(victoria, target: target, page: page)
        try checkRelabel(victoria, page: page)
        checkAdminCounters(admin)

        let stopping = Date()
        pipectl.signal(SIGTERM)
        let exit = pipectl.wait(timeout: 40)
        let stopSeconds = Date().timeIntervalSince(stopping)
        XCTAssertEqual(exit.status, 0, "pipectl exits cleanly on SIGTERM: \(exit.stderr) \(detail())")
        XCTAssertLessThan(stopSeconds, 30, "pipectl stops before shutdown_timeout (30s) has to force it")
        node.stop()
        vm.stop()
        print("forwarder e2e: \(page.count) node_exporter samples per scrape; stopped in \(String(format: "%.2f", stopSeconds)) s; "
              + "test took \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
    }

    /// Starts `pipectl run pipelines/forwarder.yaml` with the test's addresses in its environment;
    /// killed by its PID when the test ends, whatever happened.
    private func startForwarder(in dir: URL, ports: Ports, target: String) throws -> (PipectlProcess, URL) {
        let yaml = Pipectl.packageRoot.appendingPathComponent("pipelines/forwarder.yaml").path
        let log = dir.appendingPathComponent("pipectl.log")
        let process = try PipectlProcess(["run", yaml, "--log-file", log.path], in: dir, environment: [
            "PIPECTL_DATA_DIR": dir.appendingPathComponent("data").path,
            "PIPECTL_API_LISTEN": "127.0.0.1:\(ports.api)",
            "SCRAPE_TARGET": target,
            "SCRAPE_JOB": "apps",
            "REMOTE_WRITE_URL": "http://127.0.0.1:\(ports.victoria)/api/v1/write",
        ])
        addTeardownBlock { if process.process.isRunning { process.signal(SIGKILL); process.wait(timeout: 10) } }
        try poll("pipectl's admin API listening", timeout: 20, detail: { Self.text(log) }) {
            guard process.process.isRunning else {
                throw CLIError("pipectl exited: \(process.wait(timeout: 5).stderr) \(Self.text(log))")
            }
            return LoopbackSockets.isListening(tcp: ports.api)
        }
        return (process, log)
    }

    /// The scrape succeeded, counted the page's samples, and every series of the page but the
    /// dropped ones arrived labelled `job="apps"` and `instance` = the target.
    private func checkScrape(_ victoria: VictoriaMetricsQueryAPI, target: String, page: [PrometheusSample]) throws {
        let labels = ["job": "apps", "instance": target]
        let up = try victoria.query(#"up{job="apps"}"#)
        XCTAssertEqual(up.map(\.value), [1], "the scrape of \(target) succeeded")
        XCTAssertEqual(up.first?.labels["instance"], target)
        let scraped = try victoria.query(#"scrape_samples_scraped{job="apps"}"#)
        XCTAssertEqual(scraped.count, 1)
        XCTAssertGreaterThan(scraped.first?.value ?? 0, 0)
        XCTAssertEqual(scraped.first?.value, Double(page.count), "scrape_samples_scraped counts the page's samples")

        let series = try victoria.series(#"{job="apps"}"#)
        for labelSet in series where labelSet["instance"] != target {
            XCTFail("a scraped series without instance=\"\(target)\": \(labelSet)")
        }
        let expected = Set(page.map(\.name).filter { !Self.dropped($0) }).union(Self.scrapeSeries)
        XCTAssertEqual(Set(series.compactMap { $0["__name__"] }), expected, "the page's series, less the dropped ones")
        let memTotal = try victoria.query(#"node_memory_MemTotal_bytes{job="apps"}"#)
        XCTAssertEqual(memTotal.map { $0.labels.filter { $0.key != "__name__" } }, [labels],
                       "node_exporter's own series keep their target labels")
    }

    /// The relabel rules: host metrics are labelled `job="node"` (and agree with node_exporter's),
    /// the Go runtime's noisy series are dropped and no series has a per-build label.
    private func checkRelabel(_ victoria: VictoriaMetricsQueryAPI, page: [PrometheusSample]) throws {
        let scraped = try victoria.query(#"node_memory_MemTotal_bytes{job="apps"}"#).first?.value
        let host = try victoria.query(#"node_memory_MemTotal_bytes{job="node"}"#)
        XCTAssertEqual(host.count, 1, "host_metrics' MemTotal, labelled job=\"node\"")
        XCTAssertNotNil(scraped)
        XCTAssertEqual(host.first?.value, scraped, "host_metrics and node_exporter read the same MemTotal")
        XCTAssertGreaterThan(try victoria.series(#"{job="node",__name__=~"node_cpu_seconds_total|node_load1"}"#).count, 1,
                             "host_metrics' other series arrive too")

        let all = try victoria.series(#"{__name__=~".+"}"#)
        XCTAssertEqual(Set(all.compactMap { $0["job"] }), ["apps", "node"], "every series is the scrape's or the host's")
        XCTAssertEqual(all.filter { $0["build_sha"] != nil || $0["git_commit"] != nil }, [], "per-build labels are dropped")
        XCTAssertEqual(all.compactMap { $0["__name__"] }.filter(Self.dropped), [], "noisy Go runtime series are dropped")
        XCTAssertEqual(try victoria.query(#"{__name__=~"go_memstats_.*_total|go_gc_duration_seconds.*"}"#).count, 0)
        // The drop is not trivially true: node_exporter exposes them, and keeps its other Go series.
        XCTAssertTrue(page.contains { $0.name == "go_memstats_frees_total" }, "node_exporter exposes go_memstats_*_total")
        XCTAssertEqual(try victoria.query(#"go_memstats_alloc_bytes{job="apps"}"#).count, 1, "other go_memstats_* series pass")
    }

    /// pipectl's own counters: the remote-write output delivered through its disk buffer and
    /// dropped nothing, the cardinality cap refused nothing, and the relabel rules dropped some.
    private func checkAdminCounters(_ admin: [PrometheusSample]) {
        XCTAssertGreaterThan(Self.sum("pipectl_component_sent_events_total", "victoria", admin), 0, "the output sent samples")
        XCTAssertEqual(Self.sum("pipectl_component_dropped_events_total", "victoria", admin), 0, "the output dropped nothing")
        XCTAssertGreaterThan(Self.sum("pipectl_buffer_written_records_total", "victoria", admin), 0, "requests went through the disk buffer")
        XCTAssertEqual(Self.sum("pipectl_component_dropped_events_total", "limit", admin), 0, "no series over the cardinality cap")
        XCTAssertGreaterThan(Self.sum("pipectl_component_dropped_events_total", "rewrite", admin), 0, "the drop rule dropped samples")
    }

    private static func text(_ file: URL) -> String { (try? String(contentsOf: file, encoding: .utf8)) ?? "" }

    /// The sum of `name` over the samples of `component` on pipectl's `/metrics`.
    private static func sum(_ name: String, _ component: String, _ samples: [PrometheusSample]) -> Double {
        samples.filter { $0.name == name && $0.labels["component"] == component }.reduce(0) { $0 + $1.value }
    }
}
