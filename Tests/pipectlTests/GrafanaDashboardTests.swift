import Foundation
import PipelineTesting
import XCTest

/// The Grafana dashboards in `docs/grafana/` (docs/GRAFANA.md) against real data: the real
/// pipectl runs `pipelines/heroku.yaml`, VictoriaMetrics receives its remote-write and scrapes
/// its admin API as docs/ALERTING.md shows, drain bodies go in, and every panel query, with
/// the variables filled in as Grafana fills them, must parse and return at least one series.
final class GrafanaDashboardTests: XCTestCase {
    private static let files = ["pipectl.json", "heroku.json"]
    private var vm: Process?

    override func tearDown() {
        if let vm, vm.isRunning {
            vm.terminate()
            vm.waitUntilExit()
        }
    }

    /// What Grafana needs to import a file and bind it to the data source picked on import.
    func testDashboardsHaveADataSourceVariableAndValidPanels() throws {
        for file in Self.files {
            let d = try GrafanaDashboard(file)
            XCTAssertEqual(d.json["schemaVersion"] as? Int, 39, file)
            XCTAssertFalse((d.json["uid"] as? String ?? "").isEmpty, file)
            let datasource = d.variables.first { $0["name"] as? String == "datasource" }
            XCTAssertEqual(datasource?["type"] as? String, "datasource", file)
            XCTAssertEqual(datasource?["query"] as? String, "prometheus", file)
            XCTAssertEqual(Set(d.panels.map { $0["id"] as? Int ?? 0 }).count, d.panels.count, "\(file): panel ids repeat")
            for panel in d.panels where panel["type"] as? String != "row" {
                let title = "\(file): \(panel["title"] ?? "?")"
                let source = panel["datasource"] as? [String: Any]
                XCTAssertEqual(source?["uid"] as? String, "${datasource}", title)
                XCTAssertEqual(source?["type"] as? String, "prometheus", title)
                let targets = panel["targets"] as? [[String: Any]] ?? []
                XCTAssertFalse(targets.isEmpty, title)
                XCTAssertEqual(Set(targets.compactMap { $0["refId"] as? String }).count, targets.count, "\(title): refIds")
                let grid = panel["gridPos"] as? [String: Int] ?? [:]
                XCTAssertLessThanOrEqual((grid["x"] ?? 99) + (grid["w"] ?? 99), 24, title)
            }
        }
    }

    func testEveryPanelQueryReturnsDataFromARealPipeline() throws {
        let executable = "/usr/bin/victoria-metrics"
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("VictoriaMetrics is not installed at \(executable) (scripts/install-deps.sh installs it)")
        }
        continueAfterFailure = false
        let dashboards = try Self.files.map { try GrafanaDashboard($0) }
        let dir = try temporaryDirectory(self)
        let vmPort = try freeLoopbackPort(), drainPort = try freeLoopbackPort(), apiPort = try freeLoopbackPort()
        // ALERTING.md's scrape config, every second instead of every 15.
        try """
        scrape_configs:
          - job_name: pipectl
            scrape_interval: 1s
            static_configs:
              - targets: ["127.0.0.1:\(apiPort)"]
        """.write(to: dir.appendingPathComponent("scrape.yaml"), atomically: true, encoding: .utf8)
        let vm = Process()
        vm.executableURL = URL(fileURLWithPath: executable)
        vm.arguments = ["-httpListenAddr=127.0.0.1:\(vmPort)", "-storageDataPath=\(dir.path)/vm", "-retentionPeriod=100y",
                        "-promscrape.config=\(dir.path)/scrape.yaml", "-search.latencyOffset=0s", "-search.disableCache",
                        "-loggerLevel=ERROR"]
        vm.standardOutput = FileHandle.nullDevice
        vm.standardError = FileHandle.nullDevice
        try vm.run()
        self.vm = vm
        waitUntil("VictoriaMetrics ready", timeout: 30) { (try? httpGet(port: vmPort, path: "/health"))?.status == 200 }

        // The product file itself. Its loki output points at VictoriaMetrics, which answers 400 to
        // /loki/api/v1/push: the rejected batches are the dead letters the pipectl dashboard shows.
        let pipeline = Pipectl.packageRoot.appendingPathComponent("pipelines/heroku.yaml").path
        let pipectl = try PipectlProcess(["run", pipeline], in: dir, environment: [
            "PIPECTL_DATA_DIR": "\(dir.path)/data", "PIPECTL_API_LISTEN": "127.0.0.1:\(apiPort)",
            "DRAIN_LISTEN": "127.0.0.1:\(drainPort)", "DRAIN_PASSWORD": "s3cret", "L2MET_INTERVAL": "2s",
            "VM_URL": "http://127.0.0.1:\(vmPort)/api/v1/write", "LOKI_URL": "http://127.0.0.1:\(vmPort)",
        ])
        defer {
            pipectl.signal(SIGTERM)
            pipectl.wait(timeout: 40)
        }
        waitUntil("pipectl's admin API", timeout: 20) { (try? httpGet(port: apiPort, path: "/healthz"))?.status == 200 }

        // A body a second until every query has data: rates need two samples, and log_to_metric
        // writes its series every 10 s.
        var pending = dashboards.flatMap(\.queries)
        var failures: [String] = []
        let deadline = Date().addingTimeInterval(45)
        var round = 0
        while !pending.isEmpty, Date() < deadline {
            let status = try Self.postDrainBody(port: drainPort, round: round)
            XCTAssertEqual(status, 204, "drain body \(round)")
            round += 1
            // Until the first scrape, the variables have no values yet.
            if let values = try? Self.resolveVariables(dashboards, vmPort: vmPort) {
                pending = try pending.filter { q in
                    let expanded: String
                    do { expanded = try q.expand(values[q.dashboard] ?? [:]) } catch { failures.append("\(error)"); return false }
                    let answer = try Self.query(vmPort, expanded)
                    if let error = answer.error { failures.append("\(q): \(error)\n  \(expanded)") }
                    return answer.error == nil && answer.series == 0
                }
            }
            if !pending.isEmpty { usleep(1_000_000) }
        }
        continueAfterFailure = true
        XCTAssertEqual(failures, [], "queries VictoriaMetrics or Grafana would refuse")
        let values = try Self.resolveVariables(dashboards, vmPort: vmPort)
        for q in pending { XCTFail("\(q) returned no series within 45 s:\n  \(try q.expand(values[q.dashboard] ?? [:]))") }

        // The check notices a misspelled metric (no series) and a broken expression (an error).
        let probe = try dashboards[0].queries[0].expand(values[dashboards[0].file] ?? [:])
        let misspelled = probe.replacingOccurrences(of: #"([a-z_]+)\{"#, with: "$1x{", options: .regularExpression)
        XCTAssertNotEqual(misspelled, probe)
        XCTAssertEqual(try Self.query(vmPort, misspelled).series, 0, misspelled)
        XCTAssertNotNil(try Self.query(vmPort, probe + ")").error)
    }

    // MARK: - Feeding the drain

    /// One logplex body, stamped now: router lines (200, an app 500, an H12 timeout), a dyno's
    /// runtime metrics (memory, load) and a logplex L10 notice, which logplex sends without a
    /// trailing LF. Basic auth `shop:…` makes `app="shop"` on the l2met series.
    private static func postDrainBody(port: Int, round: Int) throws -> Int {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func frame(_ pri: Int, _ app: String, _ procid: String, _ message: String, newline: Bool = true) -> String {
            let m = "<\(pri)>1 \(formatter.string(from: Date())) host \(app) \(procid) - \(message)" + (newline ? "\n" : "")
            return "\(m.utf8.count) \(m)"
        }
        let router = #"host=shop.herokuapp.com request_id=r\#(round) fwd="10.0.0.1" protocol=https"#
        let frames = [
            frame(158, "heroku", "router", #"at=info method=GET path="/" \#(router) dyno=web.1 connect=1ms service=23ms status=200 bytes=656"#),
            frame(158, "heroku", "router", #"at=info method=POST path="/cart" \#(router) dyno=web.2 connect=2ms service=180ms status=500 bytes=120"#),
            frame(158, "heroku", "router", #"at=error code=H12 desc="Request timeout" method=GET path="/slow" \#(router) dyno=web.1 connect=0ms service=30000ms status=503 bytes=0"#),
            frame(190, "heroku", "web.1", "source=web.1 dyno=heroku.1.abc sample#memory_total=300.50MB sample#memory_rss=290.10MB sample#memory_cache=10.40MB sample#memory_swap=0.00MB sample#memory_pgpgin=1234pages sample#memory_pgpgout=567pages sample#memory_quota=512.00MB"),
            frame(190, "heroku", "web.1", "source=web.1 dyno=heroku.1.abc sample#load_avg_1m=0.35 sample#load_avg_5m=0.20 sample#load_avg_15m=0.10"),
            frame(172, "heroku", "logplex", "Error L10 (output buffer overflow): 7 messages dropped since 2024-05-01T00:00:00+00:00.", newline: false),
        ]
        let auth = "Basic " + Data("shop:s3cret".utf8).base64EncodedString()
        return try HTTPTestClient.request(port: port, "/logs", method: "POST", headers: [
            ("Content-Type", "application/logplex-1"), ("Authorization", auth), ("Logplex-Drain-Token", "d.grafana"),
            ("Logplex-Msg-Count", String(frames.count)), ("Logplex-Frame-Id", "round-\(round)"),
        ], body: Array(frames.joined().utf8)).status
    }

    // MARK: - VictoriaMetrics

    /// Each query variable's values, as Grafana shows them with "All" selected, but as the
    /// alternation of the values found rather than the `.*` of `allValue`, so that a label a
    /// panel misspells selects nothing. A variable without values fails.
    private static func resolveVariables(_ d: GrafanaDashboard, vmPort: Int) throws -> [String: String] {
        var values: [String: String] = [:]
        for v in d.variables where v["type"] as? String == "query" {
            let name = v["name"] as? String ?? "?"
            let query = try GrafanaQuery(dashboard: d.file, panel: "$\(name)", refId: "", expr: d.variableQuery(v), interval: nil)
                .expand(values)
            guard let m = query.wholeMatch(of: /label_values\((.+), *(\w+)\)/) else { throw CLIError("\(d.file): $\(name): \(query)") }
            let answer = try getJSON(vmPort, "/api/v1/label/\(m.2)/values?match%5B%5D=\(encoded(String(m.1)))")
            let found = (answer["data"] as? [String]) ?? []
            guard !found.isEmpty else { throw CLIError("\(d.file): $\(name) has no values: \(query)") }
            // Grafana's regex escaping for the Prometheus data source: `.` → `\\.` inside the string.
            let escaped = found.map { $0.replacingOccurrences(of: #"[.*+?^${}()|\[\]\\]"#, with: #"\\\\$0"#, options: .regularExpression) }
            values[name] = "(" + escaped.joined(separator: "|") + ")"
        }
        return values
    }

    /// The variables of every dashboard, by file.
    private static func resolveVariables(_ dashboards: [GrafanaDashboard], vmPort: Int) throws -> [String: [String: String]] {
        try Dictionary(uniqueKeysWithValues: dashboards.map { ($0.file, try resolveVariables($0, vmPort: vmPort)) })
    }

    /// Runs an instant query: the number of series, or VictoriaMetrics' error.
    private static func query(_ port: Int, _ expr: String) throws -> (series: Int, error: String?) {
        let answer = try getJSON(port, "/api/v1/query?query=\(encoded(expr))")
        guard answer["status"] as? String == "success" else { return (0, answer["error"] as? String ?? "\(answer)") }
        return (((answer["data"] as? [String: Any])?["result"] as? [Any])?.count ?? 0, nil)
    }

    private static func getJSON(_ port: Int, _ path: String) throws -> [String: Any] {
        let response = try HTTPTestClient.request(port: port, path, timeoutSeconds: 10)
        let body = response.content
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw CLIError("\(response.status) from \(path): \(body)")
        }
        return object
    }

    private static func encoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"))!
    }
}

/// A dashboard file of `docs/grafana/`: its panels (rows' nested panels included), its
/// template variables and every panel target's query.
private struct GrafanaDashboard {
    let file: String
    let json: [String: Any]
    let panels: [[String: Any]]
    let variables: [[String: Any]]

    init(_ file: String) throws {
        self.file = file
        let url = Pipectl.packageRoot.appendingPathComponent("docs/grafana/\(file)")
        guard let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw CLIError("\(file) is not a JSON object")
        }
        self.json = json
        let top = json["panels"] as? [[String: Any]] ?? []
        panels = top + top.flatMap { $0["panels"] as? [[String: Any]] ?? [] }
        variables = (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
    }

    var queries: [GrafanaQuery] {
        panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).map {
                GrafanaQuery(dashboard: file, panel: panel["title"] as? String ?? "?", refId: $0["refId"] as? String ?? "?",
                             expr: $0["expr"] as? String ?? "", interval: panel["interval"] as? String)
            }
        }
    }

    /// A query variable's query: a string, or `{"query": …}` as newer Grafana writes it.
    func variableQuery(_ v: [String: Any]) -> String {
        (v["query"] as? String) ?? ((v["query"] as? [String: Any])?["query"] as? String) ?? ""
    }
}

/// One panel target's PromQL, with Grafana's variables still in it.
private struct GrafanaQuery: CustomStringConvertible {
    let dashboard, panel, refId, expr: String
    /// The panel's minimum interval (`interval`), when set.
    let interval: String?

    var description: String { "\(dashboard) '\(panel)' \(refId)" }

    /// The query as Grafana sends it: `$__interval` is the panel's minimum interval or 15 s (the
    /// step of a short time range); `$__rate_interval` is max(`$__interval` + 15 s, 4 × 15 s), 15 s
    /// being the data source's default scrape interval. An unknown variable is an error.
    func expand(_ values: [String: String]) throws -> String {
        let step = interval.flatMap(Self.seconds) ?? 15
        let builtins = ["__interval": "\(step)s", "__rate_interval": "\(max(step + 15, 60))s", "__range": "1h"]
        var out = "", rest = Substring(expr)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            let braced = rest.first == "{"
            if braced { rest = rest.dropFirst() }
            let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            rest = rest.dropFirst(name.count + (braced ? 1 : 0))
            guard let value = builtins[name] ?? values[name] else { throw CLIError("\(self): unknown variable $\(name)") }
            out += value
        }
        return out + rest
    }

    private static func seconds(_ duration: String) -> Int? {
        guard let unit = duration.last, let n = Int(duration.dropLast()) else { return nil }
        return ["s": 1, "m": 60, "h": 3600][unit].map { $0 * n }
    }
}
