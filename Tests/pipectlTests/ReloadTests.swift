import Foundation
import PipelineTesting
import XCTest

/// Hot reload of a running `pipectl run`, by `POST /v1/reload` and by SIGHUP, while a syslog
/// TCP client stays connected: an unchanged file touches nothing, a changed one replaces only
/// what changed (l2met keeps its open window), an invalid one is refused with positioned errors.
final class ReloadTests: XCTestCase {
    private var dir: URL!
    private var apiPort = 0, syslogPort = 0

    /// The pipeline: syslog TCP → l2met (one window for the whole test) → file, and the raw
    /// lines → `raw` file(s).
    private func pipeline(raw: [String], l2met: String = "interval: 1h, allowed_lateness: 1h") -> String {
        """
        data_dir: \(dir.path)/data
        api: { listen: "127.0.0.1:\(apiPort)" }
        inputs:
          logs: { type: syslog, mode: tcp, listen: "127.0.0.1:\(syslogPort)" }
        transforms:
          l2met: { type: l2met, inputs: [logs], \(l2met) }
        outputs:
          metrics: { type: file, inputs: [l2met], path: \(dir.path)/metrics.ndjson }
        \(raw.map { "  \($0): { type: file, inputs: [logs], path: \(dir.path)/\($0).ndjson }" }.joined(separator: "\n"))
        """
    }

    private func reload() throws -> (status: Int, body: [String: Any]) {
        let response = try HTTPTestClient.request(port: apiPort, "/v1/reload", method: "POST", timeoutSeconds: 30)
        return (response.status, jsonObject(response.body) ?? ["unparsed": response.body])
    }

    private func lines(_ name: String) -> [String] { fileLines(dir.appendingPathComponent("\(name).ndjson")) }

    func testReloadKeepsConnectionsAndStateAndRefusesAnInvalidFile() throws {
        dir = try temporaryDirectory(self)
        apiPort = try freeLoopbackPort()
        syslogPort = try freeLoopbackPort()
        let file = dir.appendingPathComponent("pipeline.yaml")
        try pipeline(raw: ["raw1"]).write(to: file, atomically: true, encoding: .utf8)
        let process = try PipectlProcess(["run", file.path], in: dir)
        waitUntil("the admin API answers", timeout: 30) { (try? httpGet(port: apiPort, path: "/readyz"))?.status == 200 }

        let client = try TCPTestClient(port: syslogPort)
        let stamp = ISO8601DateFormatter().string(from: Date())
        var sent = 0
        func send(_ n: Int) throws {
            for _ in 0..<n {
                sent += 1
                try client.send("<134>1 \(stamp) host app web.1 - - line=\(sent) count#requests=1\n")
            }
        }
        try send(5)
        waitUntil("raw1 has 5 lines") { lines("raw1").count == 5 }

        // The same file: nothing is touched.
        var (status, body) = try reload()
        XCTAssertEqual(status, 200)
        XCTAssertEqual(body["outcome"] as? String, "unchanged", "\(body)")

        // raw1 becomes raw2: only that output is replaced; the input and l2met run on.
        try pipeline(raw: ["raw2"]).write(to: file, atomically: true, encoding: .utf8)
        (status, body) = try reload()
        XCTAssertEqual(status, 200, "\(body)")
        XCTAssertEqual(body["outcome"] as? String, "applied", "\(body)")
        XCTAssertEqual(body["added"] as? [String], ["raw2"])
        XCTAssertEqual(body["removed"] as? [String], ["raw1"])
        XCTAssertEqual(body["rewired"] as? [String], ["logs"])
        XCTAssertEqual(body["unchanged"] as? [String], ["l2met", "metrics"])
        try send(5)
        waitUntil("raw2 has the 5 lines sent after the reload, on the same connection") { lines("raw2").count == 5 }
        XCTAssertEqual(lines("raw1").count, 5, "raw1 got nothing more")

        // An invalid file is refused with FILE:LINE:COL; the pipeline runs on unchanged.
        try pipeline(raw: ["raw2"], l2met: "interval: 1h, allowed_lateness: 1h, bogus_option: 1").write(to: file, atomically: true, encoding: .utf8)
        (status, body) = try reload()
        XCTAssertEqual(status, 422)
        XCTAssertEqual(body["outcome"] as? String, "refused", "\(body)")
        let errors = body["errors"] as? [String] ?? []
        XCTAssertTrue(errors.contains { $0.hasPrefix("\(file.path):") && $0.contains("bogus_option") && $0.range(of: #"\.yaml:\d+:\d+: "#, options: .regularExpression) != nil }, "\(errors)")
        try send(5)
        waitUntil("raw2 still gets lines") { lines("raw2").count == 10 }

        // SIGHUP applies a file that adds an output.
        try pipeline(raw: ["raw2", "raw3"]).write(to: file, atomically: true, encoding: .utf8)
        process.signal(SIGHUP)
        waitUntil("the SIGHUP reload added raw3") {
            ((try? httpGet(port: apiPort, path: "/v1/graph"))?.body ?? "").contains("raw3")
        }
        try send(5)
        waitUntil("raw2 and raw3 get the new lines") { lines("raw2").count == 15 && lines("raw3").count == 5 }

        client.close()
        process.signal(SIGTERM)
        let result = process.wait(timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("reload refused"), result.stderr)
        XCTAssertTrue(result.stderr.contains("reload applied: added raw3"), result.stderr)
        // l2met kept its window through every reload: one sample counts all 20 lines.
        let counts = lines("metrics").compactMap(jsonObject).filter { ($0["name"] as? String)?.contains("requests") == true }
        XCTAssertEqual(counts.count, 1, "\(lines("metrics"))")
        XCTAssertEqual(counts.first?["value"] as? Double, 20, "\(counts)")
    }
}
