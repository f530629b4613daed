import AsyncHTTPClient
import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The output against a real VictoriaMetrics single node on a free loopback port.
final class RemoteWriteVictoriaMetricsTests: XCTestCase {
    func testEverySeriesLabelSetValueAndTimestampArrives() async throws {
        let vm = try await ServerProcess.start(self, name: "VictoriaMetrics", executable: "/usr/bin/victoria-metrics",
                                               readyPath: "/health") { port, directory in
            ["-httpListenAddr=127.0.0.1:\(port)", "-storageDataPath=\(directory)", "-retentionPeriod=100y"]
        }
        let fixture = RemoteWriteFixture(t0: WallClock.milliseconds() - 600_000)
        let run = try await runRemoteWrite(self, url: "http://127.0.0.1:\(vm.port)/api/v1/write",
                                           options: "batch: { max_events: 100 }", batches: fixture.batches)
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), fixture.sampleCount)
        XCTAssertEqual(run.metrics.errorCounts.map(\.0), [])

        var stored: [String: [RemoteWriteFixture.Sample]] = [:]
        try await eventually(timeout: 30, "VictoriaMetrics returns every sample") {
            _ = try? await httpGet(port: vm.port, "/internal/force_flush")
            stored = try await Self.export(port: vm.port)
            return stored.values.reduce(0) { $0 + $1.count } >= fixture.sampleCount
        }
        XCTAssertEqual(stored.count, fixture.expected.count)
        for (key, samples) in fixture.expected {
            XCTAssertEqual(stored[key], samples, key)
        }
    }

    /// Every `rwtest_*` sample VictoriaMetrics holds, by series key.
    private static func export(port: Int) async throws -> [String: [RemoteWriteFixture.Sample]] {
        let match = "%7B__name__%3D~%22rwtest_.%2A%22%7D"  // {__name__=~"rwtest_.*"}
        let response = try await httpGet(port: port, "/api/v1/export?match%5B%5D=\(match)")
        guard response.status == 200 else { throw PipectlError("export: \(response.status) \(response.body)") }
        var result: [String: [RemoteWriteFixture.Sample]] = [:]
        for line in response.body.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let metric = object?["metric"] as? [String: String], let values = object?["values"] as? [Double],
                  let timestamps = object?["timestamps"] as? [Int64] else { throw PipectlError("unexpected export line \(line)") }
            result[RemoteWriteFixture.key(metric), default: []] += zip(timestamps, values).map { .init(timestamp: $0, value: $1) }
        }
        return result.mapValues { $0.sorted { $0.timestamp < $1.timestamp } }
    }
}

/// GETs `path` from 127.0.0.1:`port` (chunked answers included).
func httpGet(port: Int, _ path: String) async throws -> (status: Int, body: String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
    return (Int(response.status.code), String(buffer: body))
}

/// The series both real-server tests send: counters, a gauge, summary parts, and a bulk of
/// series spread over several requests and both shards.
struct RemoteWriteFixture {
    struct Sample: Equatable, CustomStringConvertible {
        var timestamp: Int64
        var value: Double
        var description: String { "\(value)@\(timestamp)" }
    }

    /// The batches, in order.
    let batches: [MetricBatch]
    /// What the receiver must hold afterwards, by `RemoteWriteFixture.key`.
    let expected: [String: [Sample]]

    var sampleCount: Int { expected.values.reduce(0) { $0 + $1.count } }

    /// Series at `t0`, `t0 + 60s` and `t0 + 120s` (milliseconds, deliberately not whole seconds).
    init(t0: Int64) {
        var batches: [MetricBatch] = []
        var expected: [String: [Sample]] = [:]
        for step in 0..<3 {
            let t = t0 + Int64(step) * 60_000
            var batch = MetricBatch()
            func add(_ name: String, _ labels: [(String, String)], _ value: Double, _ kind: MetricKind) {
                batch.append(name: name, labels: labels, value: value, timestamp: t, kind: kind)
                let kept = labels.filter { !$0.1.isEmpty }.reduce(into: ["__name__": name]) { $0[$1.0] = $1.1 }
                expected[Self.key(kept), default: []].append(Sample(timestamp: t, value: value))
            }
            add("rwtest_requests_total", [("method", "GET"), ("code", "200"), ("Zone", "eu")], Double(10 + 5 * step), .counter)
            if step == 0 { add("rwtest_requests_total", [("code", "500"), ("method", "POST")], 1, .counter) }
            if step < 2 { add("rwtest_temperature_celsius", [("room", "lab"), ("empty", "")], step == 0 ? -3.5 : 21.25, .gauge) }
            if step == 1 {
                add("rwtest_latency_seconds", [("quantile", "0.5")], 0.1, .summary)
                add("rwtest_latency_seconds", [("quantile", "0.99")], 0.9, .summary)
                add("rwtest_latency_seconds_sum", [], 12.5, .summary)
                add("rwtest_latency_seconds_count", [], 40, .summary)
            }
            if step > 0 {
                for i in 0..<300 { add("rwtest_bulk", [("i", String(i)), ("job", "bulk")], Double(i) * 1.5 + Double(step), .gauge) }
            }
            batches.append(batch)
        }
        self.batches = batches
        self.expected = expected
    }

    /// `name=value,…` sorted by name: one key per series.
    static func key(_ labels: [String: String]) -> String {
        labels.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map { "\($0.key)=\($0.value)" }
            .joined(separator: ",")
    }
}

/// A server binary run on a free loopback port with a private data folder, stopped by PID
/// when the test ends.
final class ServerProcess: @unchecked Sendable {
    let port: Int
    let directory: String
    private let process: Process
    private let logPath: String

    private init(port: Int, directory: String, process: Process, logPath: String) {
        self.port = port
        self.directory = directory
        self.process = process
        self.logPath = logPath
    }

    /// Starts `executable` and waits until `readyPath` answers 200; skips the test when the binary is missing.
    static func start(_ test: XCTestCase, name: String, executable: String, readyPath: String,
                      arguments: (Int, String) throws -> [String]) async throws -> ServerProcess {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("\(name) is not installed at \(executable); this integration test needs the real server")
        }
        let directory = try temporaryDirectory(test).path
        let port = try freeLoopbackPort()
        let logPath = "\(directory)/server.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = try arguments(port, directory)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let server = ServerProcess(port: port, directory: directory, process: process, logPath: logPath)
        // Registered after the folder's removal, so it runs first (teardown blocks run last-in first-out).
        test.addTeardownBlock { server.stop() }
        do {
            try await eventually(timeout: 30, "\(name) on port \(port) ready") {
                guard process.isRunning else { throw PipectlError("\(name) exited: \(server.logTail)") }
                return (try? RawHTTP.get(port: port, path: readyPath, timeoutSeconds: 2).status) == 200
            }
        } catch {
            throw PipectlError("\(error)\n\(server.logTail)")
        }
        return server
    }

    /// SIGTERM, then SIGKILL if the server has not exited within 10 s.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The last lines the server logged.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}
