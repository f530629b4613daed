import Foundation
import PipelineTesting
import XCTest

/// OTLP end to end with the real binary and real parts: the OpenTelemetry Python SDK sends
/// traces, metrics (cumulative and delta) and logs to the `opentelemetry` input; spans are
/// forwarded by the `opentelemetry` output to a strict OTLP test receiver built on
/// opentelemetry-proto (Tests/OutputsTests/Support/otlp_receiver.py) and compared span by
/// span; OTLP metrics and `span_metrics` are read back from a real VictoriaMetrics.
final class OpenTelemetryEndToEndTests: XCTestCase {
    static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support")
    static let sender = support.appendingPathComponent("otel_sdk_send.py").path
    static let receiver = support.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OutputsTests/Support/otlp_receiver.py").path

    private var processes: [Process] = []

    override func tearDown() {
        for p in processes where p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
    }

    func testTheSDKsTracesMetricsAndLogsArriveWhereThePipelineSendsThem() throws {
        guard (try? runPython(["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http"])) == 0 else {
            throw XCTSkip("the OpenTelemetry Python SDK is not installed (scripts/install-deps.sh installs it)")
        }
        continueAfterFailure = false
        let dir = try temporaryDirectory(self)
        let vmPort = try freeLoopbackPort(), otlpPort = try freeLoopbackPort(), receiverPort = try freeLoopbackPort()
        let vm = try ForwarderTestServer.started(
            self, "/usr/bin/victoria-metrics",
            ["-httpListenAddr=127.0.0.1:\(vmPort)", "-storageDataPath=\(dir.path)/vm", "-retentionPeriod=100y",
             "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR"],
            port: vmPort, readyPath: "/health", in: dir)
        let received = dir.appendingPathComponent("received.jsonl")
        try startReceiver(port: receiverPort, record: received, in: dir)

        try """
        data_dir: \(dir.path)/data
        api: { enabled: false }
        inputs:
          otel: { type: opentelemetry, listen: "127.0.0.1:\(otlpPort)" }
        transforms:
          red: { type: span_metrics, inputs: [otel.traces], dimensions: [http.request.method], flush_interval: 1s }
        outputs:
          traces: { type: opentelemetry, inputs: [red], endpoint: "http://127.0.0.1:\(receiverPort)", batch: { timeout: 100ms } }
          vm: { type: prometheus_remote_write, inputs: [red.metrics, otel.metrics], url: "http://127.0.0.1:\(vmPort)/api/v1/write", batch: { timeout: 100ms } }
          logs: { type: file, inputs: [otel.logs], path: "\(dir.path)/logs.ndjson" }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let pipectl = try PipectlProcess(["run", "p.yaml"], in: dir)
        let endpoint = "http://127.0.0.1:\(otlpPort)"
        try poll("the OTLP receiver listens", timeout: 15) { (try? httpGet(port: otlpPort, path: "/v1/traces"))?.status == 405 }

        for mode in ["traces", "metrics", "delta", "logs"] {
            XCTAssertEqual(try runPython([Self.sender, mode, endpoint, "\(dir.path)/sent-\(mode).json"]), 0, "the SDK's \(mode) export failed")
        }

        // Spans: every span the SDK made reaches the receiver once, unchanged.
        let sent = try jsonFile("\(dir.path)/sent-traces.json") as? [[String: Any]] ?? []
        XCTAssertEqual(sent.count, 24)
        var forwarded: [String: [String: Any]] = [:]
        try poll("24 spans forwarded", timeout: 20) {
            forwarded = [:]
            for line in fileLines(received) {
                guard let entry = jsonObject(line), entry["path"] as? String == "/v1/traces", entry["status"] as? Int == 200,
                      let request = entry["request"] as? [String: Any] else { continue }
                for span in Self.spans(request) { forwarded[span["spanId"] as? String ?? "", default: [:]] = span }
            }
            return forwarded.count >= 24
        }
        XCTAssertEqual(forwarded.count, 24)
        for span in sent {
            let id = span["span_id"] as! String
            let got = try XCTUnwrap(forwarded[id], "span \(id) was not forwarded")
            XCTAssertEqual(got["traceId"] as? String, span["trace_id"] as? String)
            XCTAssertEqual(got["parentSpanId"] as? String ?? "", span["parent_span_id"] as? String)
            XCTAssertEqual(got["name"] as? String, span["name"] as? String)
            XCTAssertEqual(got["kind"] as? Int, span["kind"] as? Int)
            XCTAssertEqual(Int64(got["startTimeUnixNano"] as? String ?? ""), (span["start"] as? NSNumber)?.int64Value)
            XCTAssertEqual(Int64(got["endTimeUnixNano"] as? String ?? ""), (span["end"] as? NSNumber)?.int64Value)
            XCTAssertEqual((got["status"] as? [String: Any])?["code"] as? Int ?? 0, span["status"] as? Int)
            XCTAssertEqual((got["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }, span["events"] as? [String])
        }

        // Metrics in VictoriaMetrics, by the OpenTelemetry → Prometheus names.
        let query = VictoriaMetricsQueryAPI(port: vmPort)
        func value(_ promql: String) throws -> Double? { try query.query(promql).first?.value }
        let job = "job=\"shop/checkout\",instance=\"pod-1\""
        let expected: [(String, Double)] = [
            ("http_server_requests_total{\(job),http_route=\"/cart\",otel_scope_name=\"shop.checkout\"}", 4),
            ("http_server_request_duration_seconds_count{\(job)}", 4),
            ("http_server_request_duration_seconds_bucket{\(job),le=\"0.1\"}", 2),
            ("http_server_request_duration_seconds_bucket{\(job),le=\"+Inf\"}", 4),
            ("queue_length{\(job)}", 3),
            ("memory_usage_bytes{\(job),pool=\"heap\"}", 2048),
            ("jobs_processed_total{job=\"shop/checkout\",queue=\"default\"}", 12),
            ("job_duration_milliseconds_count{job=\"shop/checkout\",queue=\"default\"}", 12),
            ("traces_spanmetrics_calls_total{service=\"checkout\",span_name=\"GET /cart\",span_kind=\"SPAN_KIND_SERVER\",status_code=\"STATUS_CODE_ERROR\",http_request_method=\"GET\"}", 3),
            ("traces_spanmetrics_calls_total{service=\"checkout\",span_name=\"GET /cart\",status_code=\"STATUS_CODE_UNSET\"}", 9),
            ("traces_spanmetrics_calls_total{service=\"checkout\",span_name=\"SELECT cart\",span_kind=\"SPAN_KIND_CLIENT\"}", 12),
            ("traces_spanmetrics_latency_count{service=\"checkout\",span_name=\"SELECT cart\"}", 12),
        ]
        for (promql, want) in expected {
            var got: Double?
            try poll("\(promql) = \(want)", timeout: 20, detail: { "last value: \(String(describing: got))" }) {
                query.flush()
                got = try value("max(last_over_time(\(promql)[10m]))")
                return got == want
            }
        }
        XCTAssertEqual(try value("absent(http_server_requests{\(job)})"), 1, "a monotonic sum is named _total")

        // Logs: each record once, with its severity, resource and attributes as fields.
        let logs = dir.appendingPathComponent("logs.ndjson")
        try poll("5 log records", timeout: 15) { fileLines(logs).count >= 5 }
        let records = fileLines(logs).compactMap(jsonObject)
        XCTAssertEqual(records.compactMap { $0["message"] as? String }.sorted(), (0..<5).map { "order \($0) placed" })
        let warning = try XCTUnwrap(records.first { $0["message"] as? String == "order 4 placed" })
        XCTAssertEqual(warning["severity"] as? String, "WARN")
        XCTAssertEqual(warning["severity_number"] as? Int, 13)
        XCTAssertEqual(warning["resource.service.name"] as? String, "checkout")
        XCTAssertEqual(warning["order.id"] as? Int, 4)

        pipectl.signal(SIGTERM)
        let exit = pipectl.wait(timeout: 40)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        _ = vm
    }

    /// Every span of an OTLP/JSON trace request.
    private static func spans(_ request: [String: Any]) -> [[String: Any]] {
        (request["resourceSpans"] as? [[String: Any]] ?? []).flatMap { rs in
            (rs["scopeSpans"] as? [[String: Any]] ?? []).flatMap { $0["spans"] as? [[String: Any]] ?? [] }
        }
    }

    private func startReceiver(port: Int, record: URL, in dir: URL) throws {
        let log = dir.appendingPathComponent("receiver.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.receiver, "--port", String(port), "--record", record.path]
        p.standardOutput = try FileHandle(forWritingTo: log)
        p.standardError = p.standardOutput
        try p.run()
        processes.append(p)
        try poll("the OTLP test receiver is ready", timeout: 20, detail: { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }) {
            guard p.isRunning else { throw CLIError("otlp_receiver.py exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")") }
            return ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("READY")
        }
    }

    /// Runs python3 with `arguments` (bounded to 120 s); its exit status.
    private func runPython(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        processes.append(p)
        try poll("python3 \(arguments.first ?? "") finishes", timeout: 120) { !p.isRunning }
        return p.terminationStatus
    }

    private func jsonFile(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
