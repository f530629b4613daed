import Foundation
import PipelineTesting
import XCTest

/// The alerting path of docs/ALERTING.md, end to end with real servers: pipectl → VictoriaMetrics
/// → vmalert → Alertmanager → a webhook receiver. An output that cannot reach its receiver sets
/// `pipectl_output_failing`; VictoriaMetrics gets it both ways the guide gives (scraping the
/// admin API, and the `internal_metrics` input through `prometheus_remote_write`); vmalert
/// evaluates the real `docs/alerts/pipectl.rules.yaml` with each `for:` cut to 2s; Alertmanager
/// runs the real `docs/alerts/alertmanager.example.yaml` with its Slack and PagerDuty receivers
/// swapped for webhooks. `PipectlOutputFailing` must reach both receivers.
final class AlertingEndToEndTests: XCTestCase {
    private var servers: [Process] = []
    private var pipectlProcess: PipectlProcess?

    func testFailingOutputReachesAlertmanagerReceivers() throws {
        let tools = ["/usr/bin/victoria-metrics", "/usr/bin/vmalert", "/usr/bin/prometheus-alertmanager"]
        for tool in tools where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed (Debian packages: victoria-metrics, prometheus-alertmanager)")
        }
        continueAfterFailure = false
        let dir = try temporaryDirectory(self)
        addTeardownBlock { self.stopAll() }  // before the folder goes: teardown blocks run last in, first out
        let receiver = try WebhookReceiver(self)
        let vmPort = try freeLoopbackPort(), amPort = try freeLoopbackPort(), vmalertPort = try freeLoopbackPort()
        let apiPort = try freeLoopbackPort(), deadPort = try freeLoopbackPort()

        try Self.testRules().write(to: dir.appendingPathComponent("pipectl.rules.yaml"), atomically: true, encoding: .utf8)
        try Self.testAlertmanagerConfig(receiver).write(to: dir.appendingPathComponent("alertmanager.yaml"),
                                                         atomically: true, encoding: .utf8)
        try """
        scrape_configs:
          - job_name: pipectl
            scrape_interval: 1s
            static_configs:
              - targets: ["127.0.0.1:\(apiPort)"]
        """.write(to: dir.appendingPathComponent("scrape.yaml"), atomically: true, encoding: .utf8)

        try start(tools[0], ["-httpListenAddr=127.0.0.1:\(vmPort)", "-storageDataPath=vm", "-promscrape.config=scrape.yaml",
                             "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR"], in: dir)
        try start(tools[2], ["--config.file=alertmanager.yaml", "--storage.path=alertmanager", "--cluster.listen-address=",
                             "--web.listen-address=127.0.0.1:\(amPort)", "--log.level=warn"], in: dir)
        waitUntil("VictoriaMetrics ready", timeout: 30) { (try? httpGet(port: vmPort, path: "/health"))?.status == 200 }
        waitUntil("Alertmanager ready", timeout: 30) { (try? httpGet(port: amPort, path: "/-/ready"))?.status == 200 }
        try start(tools[1], ["-rule=pipectl.rules.yaml", "-datasource.url=http://127.0.0.1:\(vmPort)",
                             "-notifier.url=http://127.0.0.1:\(amPort)", "-evaluationInterval=1s",
                             "-remoteWrite.url=http://127.0.0.1:\(vmPort)", "-remoteRead.url=http://127.0.0.1:\(vmPort)",
                             "-httpListenAddr=127.0.0.1:\(vmalertPort)", "-loggerLevel=WARN"], in: dir)
        waitUntil("vmalert ready", timeout: 30) { (try? httpGet(port: vmalertPort, path: "/health"))?.status == 200 }

        // Nothing listens on deadPort: `dead` retries for ever, `vm` delivers. The HTTP client
        // retries a refused connect until its connect timeout, min(request_timeout, 10s).
        try """
        data_dir: ./data
        shutdown_timeout: 2s
        api: { listen: "127.0.0.1:\(apiPort)" }
        inputs:
          own: { type: internal_metrics, interval: 1s }
        outputs:
          vm: { type: prometheus_remote_write, inputs: [own], url: "http://127.0.0.1:\(vmPort)/api/v1/write" }
          dead: { type: prometheus_remote_write, inputs: [own], url: "http://127.0.0.1:\(deadPort)/api/v1/write",
                  request_timeout: 1s }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        pipectlProcess = try PipectlProcess(["run", "p.yaml"], in: dir)

        // One alert per source of the series: scraped (job, instance) and remote-written (neither).
        func firing(_ path: String) -> [AlertmanagerNotification.Alert] {
            receiver.notifications.filter { $0.path == path && $0.notification.status == "firing" }
                .flatMap(\.notification.alerts).filter { $0.labels["alertname"] == "PipectlOutputFailing" }
        }
        func bothSources(_ path: String) -> Bool {
            let jobs = Set(firing(path).map { $0.labels["job"] ?? "" })
            return jobs.contains("pipectl") && jobs.contains("")
        }
        let deadline = Date().addingTimeInterval(60)
        while !(bothSources("/pagerduty") && bothSources("/slack")), Date() < deadline { usleep(100_000) }
        let diagnostics = "received: \(receiver.requests.map { "\($0.path) \(String(decoding: $0.body, as: UTF8.self))" })\n"
            + ["vmalert", "alertmanager", "victoria-metrics"].map { Self.log($0, in: dir) }.joined(separator: "\n")
        XCTAssertTrue(bothSources("/pagerduty") && bothSources("/slack"),
                      "PipectlOutputFailing not at both webhooks within 60 s; \(diagnostics)")

        let expected = ["alertname": "PipectlOutputFailing", "alertgroup": "pipectl", "severity": "critical", "component": "dead",
                        "component_kind": "output", "component_type": "prometheus_remote_write"]
        for path in ["/pagerduty", "/slack"] {
            for alert in firing(path) {
                XCTAssertEqual(alert.status, "firing", path)
                XCTAssertEqual(alert.labels.filter { expected[$0.key] != nil }, expected, "\(path): \(alert.labels)")
                XCTAssertEqual(alert.annotations["summary"],
                               "pipectl output dead (prometheus_remote_write) has been failing for 5 minutes", path)
            }
            let scraped = firing(path).first { $0.labels["job"] == "pipectl" }
            XCTAssertEqual(scraped?.labels["instance"], "127.0.0.1:\(apiPort)", path)
        }
        XCTAssertEqual(Set(receiver.notifications.map(\.notification.receiver)), ["pagerduty", "slack"])
        let healthy = receiver.notifications.flatMap(\.notification.alerts).filter { $0.labels["component"] != "dead" }
        XCTAssertEqual(healthy.map(\.labels), [], "only the unreachable output alerts")
    }

    // MARK: - Helpers

    /// Stops everything at once (SIGTERM), then waits; SIGKILL for a server still up after 10 s.
    private func stopAll() {
        pipectlProcess?.signal(SIGTERM)
        for server in servers where server.isRunning { server.terminate() }
        pipectlProcess?.wait(timeout: 15)
        let deadline = Date().addingTimeInterval(10)
        for server in servers {
            while server.isRunning, Date() < deadline { usleep(10_000) }
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            server.waitUntilExit()
        }
    }

    /// docs/alerts/pipectl.rules.yaml with every `for: Nm` cut to `for: 2s`, expressions untouched.
    private static func testRules() throws -> String {
        let text = try String(contentsOf: Pipectl.packageRoot.appendingPathComponent("docs/alerts/pipectl.rules.yaml"),
                              encoding: .utf8)
        let rules = text.replacingOccurrences(of: #"for: \d+m"#, with: "for: 2s", options: .regularExpression)
        guard rules.contains("alert: PipectlOutputFailing"), rules.contains("for: 2s") else {
            throw CLIError("docs/alerts/pipectl.rules.yaml has no PipectlOutputFailing with a `for: Nm`")
        }
        return rules
    }

    /// docs/alerts/alertmanager.example.yaml with its routes and inhibitions, groups sent after
    /// 1s instead of 30s/5m, and the `slack` and `pagerduty` receivers posting to `receiver`.
    private static func testAlertmanagerConfig(_ receiver: WebhookReceiver) throws -> String {
        let text = try String(contentsOf: Pipectl.packageRoot.appendingPathComponent("docs/alerts/alertmanager.example.yaml"),
                              encoding: .utf8)
        guard let receivers = text.range(of: "\nreceivers:\n"),
              let inhibit = text.range(of: "\ninhibit_rules:\n", range: receivers.upperBound..<text.endIndex) else {
            throw CLIError("docs/alerts/alertmanager.example.yaml has no `receivers:` followed by `inhibit_rules:`")
        }
        let webhooks = """

            receivers:
              - name: slack
                webhook_configs: [{ url: "\(receiver.url("/slack"))" }]
              - name: pagerduty
                webhook_configs: [{ url: "\(receiver.url("/pagerduty"))" }]

            """
        return text.replacingCharacters(in: receivers.lowerBound..<inhibit.lowerBound, with: webhooks)
            .replacingOccurrences(of: #"group_wait: \w+"#, with: "group_wait: 1s", options: .regularExpression)
            .replacingOccurrences(of: #"group_interval: \w+"#, with: "group_interval: 1s", options: .regularExpression)
    }

    /// Starts `executable` in `dir`, its output in `dir/<name>.log`; stopped in tearDown.
    private func start(_ executable: String, _ arguments: [String], in dir: URL) throws {
        let name = URL(fileURLWithPath: executable).lastPathComponent.replacingOccurrences(of: "prometheus-", with: "")
        let logURL = dir.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        servers.append(process)
    }

    /// The last 2,000 characters of a server's log, for failure messages.
    private static func log(_ name: String, in dir: URL) -> String {
        let text = (try? String(contentsOf: dir.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
        return "\(name).log: \(text.suffix(2_000))"
    }
}
