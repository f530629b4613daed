import Foundation
import PipelineTesting
import XCTest

/// The relabel rules `ScrapeDifferentialTests` gives pipectl, vmagent and Prometheus alike: every
/// action of Prometheus' `relabel_configs`, in the order a user would write them.
///
/// Each rule is scoped so it leaves the per-scrape series (`up`, `scrape_*`) alone: Prometheus
/// and vmagent apply `metric_relabel_configs` to the scraped samples only, while pipectl's
/// `relabel` transform, downstream of `prometheus_scrape`, sees those series too.
enum ScrapeDifferentialRules {
    /// One rule as a YAML flow mapping; `vmagent` when vmagent 1.79 needs another spelling.
    private struct Rule {
        let prometheus: String
        var vmagent: String?
    }

    private static let rules: [Rule] = [
        // keep: the page's series, the per-scrape ones and a few node_exporter families.
        Rule(prometheus: "{source_labels: [__name__], action: keep, regex: 'up|scrape_.+|diff_.+|node_(cpu_seconds_total|"
            + "memory_Mem.+|load.+|network_.+_bytes_total|scrape_collector_.+)|go_goroutines|process_.+'}"),
        // drop, over two joined labels.
        Rule(prometheus: "{source_labels: [__name__, mode], regex: 'node_cpu_seconds_total;(steal|irq)', action: drop}"),
        // hashmod + keep on the modulus: cpu series in shards 0-2 of 4 stay; other series have no marker.
        Rule(prometheus: "{source_labels: [__name__], regex: node_cpu_seconds_total, target_label: __tmp_is_cpu, replacement: 'yes'}"),
        Rule(prometheus: "{source_labels: [cpu, mode], modulus: 4, target_label: __tmp_shard, action: hashmod}"),
        Rule(prometheus: "{source_labels: [__tmp_is_cpu, __tmp_shard], regex: ';.*|yes;[0-2]', action: keep}"),
        // hashmod into a visible label, copied by a replace with the default `$1`.
        Rule(prometheus: "{source_labels: [path], modulus: 8, target_label: __tmp_path_shard, action: hashmod}"),
        Rule(prometheus: "{source_labels: [__name__, __tmp_path_shard], regex: 'diff_requests_total;(.+)', target_label: shard}"),
        // replace with a named group, and with `$1` inside a longer replacement.
        Rule(prometheus: #"{source_labels: [__name__, instance], regex: 'diff_.+;127\.0\.0\.1:(?P<port>\d+)', "#
            + "target_label: target_port, replacement: 'port_${port}'}"),
        Rule(prometheus: "{source_labels: [room], regex: '([A-Za-z]+)', target_label: room_word, replacement: 'room-$1'}"),
        // replace of __name__: a rename.
        Rule(prometheus: "{source_labels: [__name__], regex: diff_temperature, target_label: __name__, "
            + "replacement: diff_temperature_celsius}"),
        // labelmap then labeldrop: honor_labels false made the page's job/instance exported_job/exported_instance.
        Rule(prometheus: "{regex: 'exported_(.+)', replacement: 'orig_$1', action: labelmap}"),
        Rule(prometheus: "{regex: 'exported_.+', action: labeldrop}"),
        Rule(prometheus: "{source_labels: [method], target_label: method, action: lowercase}"),
        Rule(prometheus: "{source_labels: [room], target_label: room_upper, action: uppercase}"),
        // vmagent 1.79 has no keepequal/dropequal; its keep_if_equal/drop_if_equal over
        // [source, target] say the same for one source label.
        Rule(prometheus: "{source_labels: [left], target_label: right, action: keepequal}",
             vmagent: "{source_labels: [left, right], action: keep_if_equal}"),
        Rule(prometheus: "{source_labels: [__name__], target_label: name_copy, action: dropequal}",
             vmagent: "{source_labels: [__name__, name_copy], action: drop_if_equal}"),
        // labelkeep: every label the rules use or make, so only the page's `legacy` goes.
        Rule(prometheus: "{action: labelkeep, regex: '__name__|job|instance|cpu|mode|device|collector|method|path|code|room|"
            + "room_word|room_upper|target_port|le|quantile|orig_job|orig_instance|shard|team|left|right|name_copy|v'}"),
    ]

    /// The rules as YAML list items indented by `indent` spaces, in `dialect`.
    static func yaml(_ dialect: Dialect, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return rules.map { rule in
            switch dialect {
            case .prometheus: pad + "- " + rule.prometheus
            case .vmagent: pad + "- " + (rule.vmagent ?? rule.prometheus)
            // `${…}` is environment interpolation in a pipeline file: `$${port}` is a literal `${port}`.
            case .pipectl: pad + "- " + rule.prometheus.replacingOccurrences(of: "${", with: "$${")
            }
        }.joined(separator: "\n")
    }

    enum Dialect { case prometheus, vmagent, pipectl }
}

/// Starting the peers of `ScrapeDifferentialTests`, each on a free loopback port with its data
/// in the test's folder; all stopped by PID when the test ends.
enum ScrapeDifferentialPeers {
    static func victoriaMetrics(_ test: XCTestCase, in dir: URL, name: String) throws -> VictoriaMetricsQueryAPI {
        let port = try freeLoopbackPort()
        _ = try ForwarderTestServer.started(test, "/usr/bin/victoria-metrics", [
            "-httpListenAddr=127.0.0.1:\(port)", "-storageDataPath=\(dir.path)/\(name)", "-retentionPeriod=100y",
            "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR",
        ], port: port, readyPath: "/health", in: dir)
        return VictoriaMetricsQueryAPI(port: port)
    }

    /// node_exporter with a few collectors; returns its `host:port`.
    static func nodeExporter(_ test: XCTestCase, in dir: URL) throws -> String {
        let port = try freeLoopbackPort()
        _ = try ForwarderTestServer.started(test, "/usr/bin/prometheus-node-exporter", [
            "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
            "--collector.loadavg", "--collector.netdev",
        ], port: port, readyPath: "/metrics", in: dir)
        return "127.0.0.1:\(port)"
    }

    /// Prometheus scraping as `scrapeConfigs` says, its remote-write receiver on; its HTTP API
    /// is the one VictoriaMetrics copies, so `VictoriaMetricsQueryAPI` reads it.
    static func prometheus(_ test: XCTestCase, in dir: URL, scrapeConfigs: String) throws -> VictoriaMetricsQueryAPI {
        let port = try freeLoopbackPort()
        let config = dir.appendingPathComponent("prometheus.yml")
        try "global: {scrape_interval: 1s, scrape_timeout: 1s}\n\(scrapeConfigs)\n".write(to: config, atomically: true, encoding: .utf8)
        _ = try ForwarderTestServer.started(test, "/usr/bin/prometheus", [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(dir.path)/prometheus", "--web.listen-address=127.0.0.1:\(port)",
            "--web.enable-remote-write-receiver", "--log.level=warn",
        ], port: port, readyPath: "/-/ready", in: dir)
        return VictoriaMetricsQueryAPI(port: port)
    }

    /// vmagent scraping as `scrapeConfigs` says and remote-writing into `into`.
    static func vmagent(_ test: XCTestCase, in dir: URL, scrapeConfigs: String, into: VictoriaMetricsQueryAPI) throws {
        let port = try freeLoopbackPort()
        let config = dir.appendingPathComponent("vmagent.yml")
        try "global: {scrape_interval: 1s, scrape_timeout: 1s}\n\(scrapeConfigs)\n".write(to: config, atomically: true, encoding: .utf8)
        _ = try ForwarderTestServer.started(test, "/usr/bin/vmagent", [
            "-promscrape.config=\(config.path)", "-remoteWrite.url=http://127.0.0.1:\(into.port)/api/v1/write",
            "-remoteWrite.tmpDataPath=\(dir.path)/vmagent", "-remoteWrite.flushInterval=200ms",
            "-httpListenAddr=127.0.0.1:\(port)", "-loggerLevel=ERROR",
        ], port: port, readyPath: "/health", in: dir)
    }

    /// A `scrape_configs` block for Prometheus and vmagent: one job, static targets, the rules.
    static func scrapeConfigs(job: String, targets: [String], rules: ScrapeDifferentialRules.Dialect) -> String {
        """
        scrape_configs:
          - job_name: \(job)
            static_configs:
              - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
            metric_relabel_configs:
        \(ScrapeDifferentialRules.yaml(rules, indent: 6))
        """
    }

    /// `pipectl run` of a pipeline: prometheus_scrape (1s) of `targets` as `job`, through a
    /// relabel transform when `rules` is set, remote-written to `url`. Returns once its admin
    /// API listens; killed by its PID when the test ends.
    static func pipectl(_ test: XCTestCase, in dir: URL, job: String, targets: [String], rules: String?,
                        url: String) throws -> (process: PipectlProcess, log: URL) {
        let api = try freeLoopbackPort()
        let transform = rules.map { "transforms:\n  rules:\n    type: relabel\n    inputs: [scrape]\n    rules:\n\($0)\n" } ?? ""
        let yaml = """
            data_dir: \(dir.path)/pipectl-\(job)
            api: {listen: '127.0.0.1:\(api)'}
            inputs:
              scrape:
                type: prometheus_scrape
                job: \(job)
                interval: 1s
                timeout: 1s
                targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
            \(transform)outputs:
              remote:
                type: prometheus_remote_write
                inputs: [\(rules == nil ? "scrape" : "rules")]
                url: \(url)
                batch: {timeout: 200ms}
            """
        let file = dir.appendingPathComponent("pipectl-\(job).yaml"), log = dir.appendingPathComponent("pipectl-\(job).log")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let process = try PipectlProcess(["run", file.path, "--log-file", log.path], in: dir)
        test.addTeardownBlock { if process.process.isRunning { process.signal(SIGKILL); process.wait(timeout: 10) } }
        try poll("pipectl's admin API listening", timeout: 20, detail: { text(log) }) {
            guard process.process.isRunning else { throw CLIError("pipectl exited: \(process.wait(timeout: 5).stderr) \(text(log))") }
            return LoopbackSockets.isListening(tcp: api)
        }
        return (process, log)
    }

    static func text(_ file: URL) -> String { (try? String(contentsOf: file, encoding: .utf8)) ?? "" }
}

/// A scrape target serving a fixed exposition page that the test rewrites: `python3 -m
/// http.server` on a folder holding the file `metrics`.
final class ScrapeDifferentialTarget {
    let address: String
    private let page: URL
    private let server: ForwarderTestServer

    init(_ test: XCTestCase, in dir: URL, name: String, page text: String) throws {
        let root = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        page = root.appendingPathComponent("metrics")
        let port = try freeLoopbackPort()
        address = "127.0.0.1:\(port)"
        try text.write(to: page, atomically: true, encoding: .utf8)
        server = try ForwarderTestServer.started(test, "/usr/bin/python3", [
            "-m", "http.server", "--bind", "127.0.0.1", "--directory", root.path, "\(port)",
        ], port: port, readyPath: "/metrics", in: dir)
    }

    /// Replaces the page in one rename, so no scrape sees half of it.
    func serve(_ text: String) throws { try text.write(to: page, atomically: true, encoding: .utf8) }

    func stop() { server.stop() }
}

/// Series as label sets (`__name__` included), written `name{a="b",…}` in messages.
typealias LabelSet = [String: String]

extension Dictionary where Key == String, Value == String {
    /// `name{label="value",…}`, labels sorted, values escaped as in the exposition format.
    var notation: String {
        let labels = filter { $0.key != "__name__" }.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }
        return (self["__name__"] ?? "") + "{" + labels.joined(separator: ",") + "}"
    }
}

/// What `a` has and `b` lacks and the reverse, one series a line; empty when they are equal.
func seriesDifference(_ a: Set<LabelSet>, _ aName: String, _ b: Set<LabelSet>, _ bName: String) -> String {
    let onlyA = a.subtracting(b).map { "  only in \(aName): \($0.notation)" }.sorted()
    let onlyB = b.subtracting(a).map { "  only in \(bName): \($0.notation)" }.sorted()
    return (onlyA + onlyB).joined(separator: "\n")
}

/// `/api/v1/query_range` on Prometheus: the timestamps (seconds) of `promql`'s points per series.
func prometheusRangeTimestamps(port: Int, _ promql: String, start: Double, end: Double, step: Double) throws -> [[Double]] {
    let query = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
    let response = try HTTPTestClient.request(port: port, "/api/v1/query_range?query=\(query)&start=\(start)&end=\(end)&step=\(step)",
                                              timeoutSeconds: 5)
    let body = decodedBody(response)
    guard response.status == 200, let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
          let results = (object["data"] as? [String: Any])?["result"] as? [[String: Any]] else {
        throw CLIError("query_range \(promql): \(response.status) \(body)")
    }
    return results.map { ($0["values"] as? [[Any]] ?? []).compactMap { $0.first as? Double } }
}
