import Foundation
import PipelineTesting
import XCTest

/// The shipped `pipelines/syslog.yaml`, run as is by the real binary, its environment pointing
/// at a private set-up: `logger` → rsyslogd (sender, `omfwd` over TLS with `gtls`, RFC 5424,
/// octet-counted) → pipectl's syslog input → regex router parse → NDJSON archive, Prometheus
/// request metrics, and a TLS relay to a second rsyslogd (receiver, `imtcp` with `ossl`).
final class SyslogPipelineTests: XCTestCase {
    private struct Ports {
        let sender: Int, syslog: Int, metrics: Int, api: Int, relay: Int
    }

    func testTheShippedPipelineArchivesCountsAndRelaysWhatRsyslogForwards() throws {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(self)
        let certificates = try RsyslogTestCertificates(in: dir)
        let ports = try Ports(sender: freeLoopbackPort(), syslog: freeLoopbackPort(), metrics: freeLoopbackPort(),
                              api: freeLoopbackPort(), relay: freeLoopbackPort())
        let archive = dir.appendingPathComponent("archive/syslog.ndjson")
        let relayed = dir.appendingPathComponent("relay.out"), seen = dir.appendingPathComponent("sender-seen.log")

        let relay = try RsyslogDaemon.started(self, in: dir, name: "relay", tcpPorts: [ports.relay],
                                              config: RsyslogReceiving.config(.tls(driver: "ossl", clientName: nil), port: ports.relay,
                                                                              output: relayed.path, certificates: certificates))
        let (pipectl, log) = try startPipeline(in: dir, ports: ports, archive: archive, certificates: certificates)
        let sender = try RsyslogDaemon.started(self, in: dir, name: "sender", tcpPorts: [ports.sender], config: RsyslogForwarding.config(
            inPort: ports.sender, outPort: ports.syslog, template: .syslogProtocol23, framing: .octetCounted, seen: seen.path,
            extra: #"StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" "#
                + #"StreamDriverPermittedPeers="\#(certificates.serverName)" StreamDriver.CAFile="\#(certificates.ca)""#))
        try sendWithLogger(port: ports.sender, in: dir)

        let count = SyslogPipelineMessages.all.count
        let detail = { "pipectl: \(RsyslogPipectl.logText(log))\nsender: \(sender.diagnostics)\nrelay: \(relay.diagnostics)" }
        try poll("\(count) messages read by the sender", timeout: 30, detail: detail) { fileLines(seen).count >= count }
        try poll("\(count) events in the archive", timeout: 30, detail: detail) { fileLines(archive).count >= count }
        try poll("\(count) messages at the relay", timeout: 30, detail: detail) { fileLines(relayed).count >= count }
        try checkMetrics(port: ports.metrics, in: dir)
        try checkAdminCounters(port: ports.api, count: count, in: dir)

        let stopping = Date()
        pipectl.signal(SIGTERM)
        let exit = pipectl.wait(timeout: 40)
        XCTAssertEqual(exit.status, 0, "pipectl exits cleanly on SIGTERM: \(exit.stderr) \(RsyslogPipectl.logText(log))")
        XCTAssertLessThan(Date().timeIntervalSince(stopping), 30, "pipectl stops before shutdown_timeout (30s) has to force it")
        sender.stop()
        relay.stop()

        let sent = sentAsTheSenderReadIt(seen)
        checkArchive(fileLines(archive), expected: sent)
        let relayLines = fileLines(relayed)
        let got = relayLines.compactMap(SyslogFields.init(rsyslogLine:))
        XCTAssertEqual(got.count, relayLines.count, "every line the relay wrote parses: \(relayLines)")
        XCTAssertEqual(relayLines.count, count, "the relay got every message once: \(relayLines)")
        assertSameMessages(got: got, expected: sent, key: SyslogPipelineMessages.key, "relay")
    }

    /// Starts `pipectl run pipelines/syslog.yaml` with the set-up's addresses, paths and
    /// certificates in its environment; killed by its PID when the test ends, whatever happened.
    private func startPipeline(in dir: URL, ports: Ports, archive: URL,
                               certificates: RsyslogTestCertificates) throws -> (PipectlProcess, URL) {
        let yaml = Pipectl.packageRoot.appendingPathComponent("pipelines/syslog.yaml").path
        let log = dir.appendingPathComponent("pipectl.log")
        let process = try PipectlProcess(["run", yaml, "--log-file", log.path], in: dir, environment: [
            "PIPECTL_DATA_DIR": dir.appendingPathComponent("data").path,
            "PIPECTL_API_LISTEN": "127.0.0.1:\(ports.api)",
            "SYSLOG_LISTEN": "127.0.0.1:\(ports.syslog)",
            "SYSLOG_TLS_CERT": certificates.serverCert,
            "SYSLOG_TLS_KEY": certificates.serverKey,
            "METRICS_LISTEN": "127.0.0.1:\(ports.metrics)",
            "ARCHIVE_PATH": archive.path,
            "RELAY_ADDRESS": "127.0.0.1:\(ports.relay)",
            "RELAY_TLS_CA": certificates.ca,
        ])
        addTeardownBlock { if process.process.isRunning { process.signal(SIGKILL); process.wait(timeout: 10) } }
        try poll("pipectl listening", timeout: 20, detail: { RsyslogPipectl.logText(log) }) {
            guard process.process.isRunning else {
                throw CLIError("pipectl exited: \(process.wait(timeout: 5).stderr) \(RsyslogPipectl.logText(log))")
            }
            return [ports.syslog, ports.metrics, ports.api].allSatisfy(LoopbackSockets.isListening(tcp:))
        }
        return (process, log)
    }

    /// Sends every message of `SyslogPipelineMessages` into the sender, one `logger` run each.
    private func sendWithLogger(port: Int, in dir: URL) throws {
        for (message, arguments) in SyslogPipelineMessages.all {
            let run = try SyslogPipelineTool.run(RsyslogLogger.executable,
                                                 ["--tcp", "--server", "127.0.0.1", "--port", String(port)] + arguments + [message], in: dir)
            guard run.status == 0 else { throw CLIError("logger \(arguments) exited with \(run.status): \(run.output)") }
        }
    }

    /// The sender's reading of each message (its `fields` file): what pipectl received. Checks
    /// that these are the messages sent, router lines as app `billing`, procid `router`.
    private func sentAsTheSenderReadIt(_ seen: URL) -> [SyslogFields] {
        let fields = fileLines(seen).compactMap(SyslogFields.init(rsyslogLine:))
        XCTAssertEqual(fields.compactMap(SyslogPipelineMessages.key).sorted(), SyslogPipelineMessages.all.map(\.message).sorted(),
                       "the sender read every message once")
        let routerLines = Set(SyslogPipelineMessages.router.map(\.message) + [SyslogPipelineMessages.timeout])
        for f in fields where routerLines.contains(SyslogPipelineMessages.key(f) ?? "") {
            XCTAssertEqual([f.appname, f.procid], ["billing", "router"], "the sender's reading of \(f.message)")
        }
        return fields
    }

    /// Every message is archived once with its syslog fields; router lines carry the regex's
    /// typed fields (status an int, service in seconds, bytes an int), the H12 line its code
    /// and its request fields too, and the other lines none of them.
    private func checkArchive(_ lines: [String], expected: [SyslogFields]) {
        let got = lines.compactMap(SyslogFields.init(pipectlJSON:))
        XCTAssertEqual(got.count, lines.count, "every archive line is a syslog event: \(lines)")
        XCTAssertEqual(lines.count, SyslogPipelineMessages.all.count, "every message archived once: \(lines)")
        assertSameMessages(got: got, expected: expected, key: SyslogPipelineMessages.key, "archive")
        let parsed = ["method", "path", "dyno", "connect", "service", "status", "bytes", "code", "desc"]
        for line in lines {
            guard let event = jsonObject(line), let message = event["message"] as? String else { continue }
            let text = String(message.drop { $0 == " " })
            // A value's JSON text: an int is written `200`, never `"200"` or `200.0`.
            let raw = { (name: String) in
                line.range(of: #""\#(name)":[^,}]*"#, options: .regularExpression).map { String(line[$0].dropFirst(name.count + 3)) }
            }
            if let router = SyslogPipelineMessages.router.first(where: { $0.message == text }) {
                XCTAssertEqual(event["method"] as? String, "GET", line)
                XCTAssertEqual(event["path"] as? String, router.path, line)
                XCTAssertEqual(event["dyno"] as? String, "web.1", line)
                XCTAssertEqual(raw("status"), "200", "status as an int: \(line)")
                XCTAssertEqual(raw("service").flatMap(Double.init) ?? -1, Double(router.serviceMilliseconds) / 1000, accuracy: 1e-9,
                               "service in seconds: \(line)")
                XCTAssertEqual(raw("connect").flatMap(Double.init) ?? -1, 0.001, accuracy: 1e-9, "connect in seconds: \(line)")
                XCTAssertEqual(raw("bytes"), String(router.bytes), "bytes as an int: \(line)")
            } else if text == SyslogPipelineMessages.timeout {
                XCTAssertEqual(event["code"] as? String, "H12", line)
                XCTAssertEqual(event["desc"] as? String, "Request timeout", line)
                XCTAssertEqual(raw("status"), "503", "an error line is a request too: \(line)")
                XCTAssertEqual(raw("service").flatMap(Double.init) ?? -1, 30, accuracy: 1e-9, "service in seconds: \(line)")
            } else {
                XCTAssertEqual(parsed.filter { event[$0] != nil }, [], "a non-router line has no parsed fields: \(line)")
            }
        }
    }

    /// The exporter's request metrics once every router line is counted, and its exposition
    /// passes `promtool check metrics` (that check alone is skipped without promtool).
    private func checkMetrics(port: Int, in dir: URL) throws {
        let routers = SyslogPipelineMessages.router
        let requests = ["app": "billing", "method": "GET", "status": "200"], app = ["app": "billing"]
        let failed = ["app": "billing", "method": "GET", "status": "503"]
        let observed = routers.count + 1  // the router lines and the H12 request
        var text = "", samples: [PrometheusSample] = []
        try poll("request metrics", timeout: 30, detail: { text }) {
            text = try fetch(port: port, in: dir)
            samples = PrometheusSample.parse(text)
            return (PrometheusSample.value("http_requests_total", requests, in: samples) ?? 0) >= Double(routers.count)
                && (PrometheusSample.value("heroku_router_errors_total", ["app": "billing", "code": "H12"], in: samples) ?? 0) >= 1
                && (PrometheusSample.value("http_request_duration_seconds_count", app, in: samples) ?? 0) >= Double(observed)
        }
        XCTAssertEqual(PrometheusSample.value("http_requests_total", requests, in: samples), Double(routers.count), text)
        XCTAssertEqual(PrometheusSample.value("http_requests_total", failed, in: samples), 1, text)
        XCTAssertEqual(PrometheusSample.value("heroku_router_errors_total", ["app": "billing", "code": "H12"], in: samples), 1, text)
        XCTAssertEqual(PrometheusSample.value("http_request_duration_seconds_count", app, in: samples), Double(observed), text)
        XCTAssertEqual(PrometheusSample.value("http_request_duration_seconds_sum", app, in: samples) ?? -1,
                       Double(routers.map(\.serviceMilliseconds).reduce(0, +)) / 1000 + 30, accuracy: 1e-9, text)
        XCTAssertEqual(PrometheusSample.value("http_request_duration_seconds_bucket", ["app": "billing", "le": "0.025"], in: samples),
                       1, "only the 23ms request is within 25ms: \(text)")
        // Text format 0.0.4: a histogram's buckets "must appear in increasing numerical order" of `le`.
        let bounds = samples.filter { $0.name == "http_request_duration_seconds_bucket" }.compactMap { $0.labels["le"].flatMap(Double.init) }
        XCTAssertEqual(bounds, bounds.sorted(), "buckets in increasing le order, +Inf last: \(text)")

        guard let promtool = SyslogPipelineTool.find("promtool") else {
            return print("skipping promtool check metrics: promtool is not installed (scripts/install-deps.sh installs prometheus)")
        }
        let exposition = dir.appendingPathComponent("exposition.txt")
        try text.write(to: exposition, atomically: true, encoding: .utf8)
        let check = try SyslogPipelineTool.run(promtool, ["check", "metrics"], in: dir, stdin: exposition)
        XCTAssertEqual(check.status, 0, "promtool check metrics: \(check.output)\n\(text)")
    }

    /// The admin API counts every message into the syslog input and out through the relay,
    /// and times the relay's writes.
    private func checkAdminCounters(port: Int, count: Int, in dir: URL) throws {
        var text = "", received: Double?, sent: Double?, writes: Double?
        try poll("the admin API counting \(count) events in and relayed", timeout: 30, detail: { text }) {
            text = try fetch(port: port, in: dir)
            let samples = PrometheusSample.parse(text)
            received = PrometheusSample.value("pipectl_component_received_events_total", ["component": "syslog_tls"], in: samples)
            sent = PrometheusSample.value("pipectl_component_sent_events_total", ["component": "relay"], in: samples)
            writes = PrometheusSample.value("pipectl_output_request_duration_seconds_count", ["component": "relay"], in: samples)
            return (received ?? 0) >= Double(count) && (sent ?? 0) >= Double(count)
        }
        XCTAssertEqual(received, Double(count), "syslog_tls received: \(text)")
        XCTAssertEqual(sent, Double(count), "relay sent: \(text)")
        XCTAssertGreaterThanOrEqual(writes ?? 0, 1, "the relay's writes are timed: \(text)")
    }

    /// `curl http://127.0.0.1:port/metrics`; throws when curl fails.
    private func fetch(port: Int, in dir: URL) throws -> String {
        let curl = try SyslogPipelineTool.run("/usr/bin/curl", ["-sS", "--fail", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"], in: dir)
        guard curl.status == 0 else { throw CLIError("curl of 127.0.0.1:\(port)/metrics exited with \(curl.status): \(curl.output)") }
        return curl.output
    }
}
