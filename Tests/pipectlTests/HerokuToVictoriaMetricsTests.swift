import Foundation
import PipelineTesting
import XCTest

/// The product's defining path end to end, with the real binary and a real VictoriaMetrics:
/// logplex bodies → heroku_drain → l2met + log_to_metric → prometheus_remote_write, then
/// every aggregate is read back from VictoriaMetrics and compared with what l2met computes.
final class HerokuToVictoriaMetricsTests: XCTestCase {
    private var vm: Process?

    override func tearDown() {
        if let vm, vm.isRunning {
            vm.terminate()
            vm.waitUntilExit()
        }
    }

    func testDrainBodiesBecomeTheExpectedSeriesInVictoriaMetrics() throws {
        let executable = "/usr/bin/victoria-metrics"
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("VictoriaMetrics is not installed at \(executable) (scripts/install-deps.sh installs it)")
        }
        continueAfterFailure = false
        let dir = try temporaryDirectory(self)
        let vmPort = try freeLoopbackPort(), drainPort = try freeLoopbackPort()
        let vm = Process()
        vm.executableURL = URL(fileURLWithPath: executable)
        vm.arguments = ["-httpListenAddr=127.0.0.1:\(vmPort)", "-storageDataPath=\(dir.path)/vm", "-retentionPeriod=100y",
                        "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR"]
        vm.standardOutput = FileHandle.nullDevice
        vm.standardError = FileHandle.nullDevice
        try vm.run()
        self.vm = vm
        waitUntil("VictoriaMetrics ready", timeout: 30) { (try? httpGet(port: vmPort, path: "/health"))?.status == 200 }

        try """
        data_dir: \(dir.path)/data
        api: { enabled: false }
        inputs:
          drain: { type: heroku_drain, listen: "127.0.0.1:\(drainPort)", path: /logs, tokens: [d.e2e] }
        transforms:
          l2met: { type: l2met, inputs: [drain], interval: 60s }
          fields: { type: logfmt, inputs: [drain] }
          router: { type: log_to_metric, inputs: [fields], metrics: [ { type: counter, name: http_requests_total, when: { field: procid, equals: router }, labels: { status: "{{status}}" } } ] }
        outputs:
          vm: { type: prometheus_remote_write, inputs: [l2met, router], url: "http://127.0.0.1:\(vmPort)/api/v1/write" }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let pipectl = try PipectlProcess(["run", "p.yaml"], in: dir)

        // Every event sits in one 60 s window ten minutes ago; shutdown flushes it.
        let window = (Int(Date().timeIntervalSince1970) - 600) / 60 * 60
        func line(_ second: Int, _ pri: Int, _ app: String, _ procid: String, _ message: String) -> String {
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(window + second % 60)))
            let m = "<\(pri)>1 \(stamp) host \(app) \(procid) - \(message)\n"
            return "\(m.utf8.count) \(m)"
        }
        var frames = (1...100).map { line($0, 190, "app", "web.1", "measure#db.latency=\($0)ms") }
        frames += (0..<10).map { line($0, 190, "app", "web.1", "count#user.signup=2") }
        frames += [line(50, 45, "heroku", "web.1", "source=web.1 dyno=heroku.1.abc sample#memory_rss=10MB"),
                   line(51, 45, "heroku", "web.1", "source=web.1 dyno=heroku.1.abc sample#memory_rss=20MB")]
        frames += [10, 20, 30].map { line($0, 158, "heroku", "router", "at=info method=GET path=\"/\" dyno=web.2 connect=1ms service=\($0)ms status=200 bytes=10") }
        frames.append(line(40, 158, "heroku", "router", "at=error code=H12 method=GET path=\"/\" dyno=web.2 connect= service=30000ms status=503 bytes=0"))
        frames.append(line(41, 172, "heroku", "logplex", "Error L10 (output buffer overflow): 7 messages dropped since 2024-05-01T00:00:00+00:00."))
        var accepted = 0
        for (k, chunk) in stride(from: 0, to: frames.count, by: 25).map({ Array(frames[$0..<min($0 + 25, frames.count)]) }).enumerated() {
            var status = 0
            waitUntil("body \(k) accepted", timeout: 15) {
                status = (try? HTTPTestClient.request(port: drainPort, "/logs", method: "POST",
                                                      headers: [("Content-Type", "application/logplex-1"), ("Logplex-Drain-Token", "d.e2e"),
                                                                ("Logplex-Msg-Count", String(chunk.count)), ("Logplex-Frame-Id", "body-\(k)")],
                                                      body: Array(chunk.joined().utf8)))?.status ?? 0
                return status == 204
            }
            accepted += status == 204 ? chunk.count : 0
        }
        XCTAssertEqual(accepted, frames.count)
        pipectl.signal(SIGTERM)
        let exit = pipectl.wait(timeout: 40)
        XCTAssertEqual(exit.status, 0, exit.stderr)

        var series: [String: Double] = [:]
        waitUntil("series in VictoriaMetrics", timeout: 30) {
            _ = try? httpGet(port: vmPort, path: "/internal/force_flush")
            series = (try? Self.export(vmPort)) ?? [:]
            return series["db_latency_seconds_count{app=\"\",dyno=\"web.1\"}"] != nil && series.count >= 20
        }
        func check(_ key: String, _ expected: Double, file: StaticString = #filePath, line: UInt = #line) {
            guard let got = series[key] else { return XCTFail("missing \(key); have \(series.keys.sorted())", file: file, line: line) }
            XCTAssertEqual(got, expected, accuracy: 1e-9 * max(1, abs(expected)), key, file: file, line: line)
        }
        check("db_latency_seconds_count{app=\"\",dyno=\"web.1\"}", 100)
        check("db_latency_seconds_sum{app=\"\",dyno=\"web.1\"}", 5.05)
        check("db_latency_seconds_min{app=\"\",dyno=\"web.1\"}", 0.001)
        check("db_latency_seconds_max{app=\"\",dyno=\"web.1\"}", 0.1)
        check("db_latency_seconds{app=\"\",dyno=\"web.1\",quantile=\"0.5\"}", 0.051)   // v[n/2], nearest rank
        check("db_latency_seconds{app=\"\",dyno=\"web.1\",quantile=\"0.95\"}", 0.096)
        check("db_latency_seconds{app=\"\",dyno=\"web.1\",quantile=\"0.99\"}", 0.1)
        check("user_signup_total{app=\"\",dyno=\"web.1\"}", 20)
        check("memory_rss_bytes{app=\"\",dyno=\"web.1\",source=\"web.1\"}", 20 * 1024 * 1024)
        check("router_service_seconds_count{app=\"\",dyno=\"web.2\",status_class=\"2xx\"}", 3)
        check("router_service_seconds_sum{app=\"\",dyno=\"web.2\",status_class=\"2xx\"}", 0.06)
        check("router_service_seconds_count{app=\"\",dyno=\"web.2\",status_class=\"5xx\"}", 1)
        check("router_connect_seconds_count{app=\"\",dyno=\"web.2\",status_class=\"2xx\"}", 3)
        XCTAssertNil(series["router_connect_seconds_count{app=\"\",dyno=\"web.2\",status_class=\"5xx\"}"], "an empty connect= is not a sample")
        check("logplex_dropped_messages_total{app=\"\"}", 7)
        check("http_requests_total{status=\"200\"}", 3)
        check("http_requests_total{status=\"503\"}", 1)
        XCTAssertFalse(series.keys.contains { $0.contains("heroku.1.abc") }, "the per-boot dyno uuid never becomes a label")
    }

    /// The last value of every series, keyed `name{label="value",…}` with labels sorted
    /// (an absent label is written as empty so keys stay stable: `app=""`).
    private static func export(_ port: Int) throws -> [String: Double] {
        let response = try HTTPTestClient.request(port: port, "/api/v1/export?match%5B%5D=%7B__name__%3D~%22.%2B%22%7D", timeoutSeconds: 5)
        var out: [String: Double] = [:]
        for line in response.content.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  var metric = object["metric"] as? [String: String],
                  let last = ((object["values"] as? [Any])?.last as? NSNumber)?.doubleValue,
                  let name = metric.removeValue(forKey: "__name__") else { continue }
            if !name.hasPrefix("http_requests") { metric["app"] = metric["app"] ?? "" }
            let labels = metric.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            out["\(name){\(labels)}"] = last
        }
        return out
    }
}
