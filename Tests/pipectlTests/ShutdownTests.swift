import Foundation
import XCTest

/// Shutdown is bounded, always: a stuck output and a full queue behind it cannot keep
/// pipectl alive past `shutdown_timeout`, and what it could not keep is counted.
final class ShutdownTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        _ = try Pipectl.binary()
        dir = try temporaryDirectory(self)
        // demo → logfmt → file on /dev/full: every write fails with ENOSPC, forever.
        try """
        data_dir: ./data
        shutdown_timeout: 2s
        api:
          listen: 127.0.0.1:0
        inputs:
          src: { type: demo, rate: 0 }
        transforms:
          parsed: { type: logfmt, inputs: [src], buffer: { max_events: 20000 } }
        outputs:
          out: { type: file, inputs: [parsed], path: /dev/full, buffer: { max_events: 20000 } }
        """.write(to: dir.appendingPathComponent("full.yaml"), atomically: true, encoding: .utf8)
    }

    private func log(_ file: URL) -> String { (try? String(contentsOf: file, encoding: .utf8)) ?? "" }

    /// Starts the pipeline and waits until the output is failing with both queues full.
    private func startStuck() throws -> (PipectlProcess, URL) {
        let logFile = dir.appendingPathComponent("pipectl.log")
        let process = try PipectlProcess(["run", "full.yaml", "--log-file", logFile.path], in: dir)
        var port = 0
        waitUntil("the admin API log line") {
            guard let match = self.log(logFile).range(of: #"admin API listening on 127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return false }
            port = Int(self.log(logFile)[match].split(separator: ":").last!) ?? 0
            return true
        }
        waitUntil("both queues full", timeout: 30) {
            guard let body = try? httpGet(port: port, path: "/metrics").body else { return false }
            return ["parsed", "out"].allSatisfy { id in
                body.split(separator: "\n").contains { line in
                    line.hasPrefix("pipectl_buffer_events{component=\"\(id)\"")
                        && (Int(line.split(separator: " ").last ?? "") ?? 0) >= 19_000
                }
            }
        }
        return (process, logFile)
    }

    func testAStuckOutputCannotHoldTheProcessPastTheTimeout() throws {
        let (process, logFile) = try startStuck()
        let stopping = Date()
        process.signal(SIGTERM)
        let result = process.wait(timeout: 2 + 10)
        let took = Date().timeIntervalSince(stopping)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(took, 2 + 4, "gone within shutdown_timeout plus a few seconds")
        let text = log(logFile)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("events dropped at shutdown") }) else {
            return XCTFail("no shutdown summary line: \(text)")
        }
        // Each component that held events says how many: both queues were full.
        let counts = Dictionary(uniqueKeysWithValues: line.split(separator: ":").last!.split(separator: ",").map { part in
            let words = part.split(separator: " ")
            return (String(words[0]), Int(words[1]) ?? -1)
        })
        XCTAssertGreaterThanOrEqual(counts["out"] ?? 0, 19_000, String(line))
        XCTAssertGreaterThanOrEqual(counts["parsed"] ?? 0, 19_000, String(line))
    }

    func testASecondSignalExitsAtOnce() throws {
        let (process, logFile) = try startStuck()
        process.signal(SIGTERM)
        waitUntil("the first signal was handled") { self.log(logFile).contains("shutting down") }
        let stopping = Date()
        process.signal(SIGINT)
        let result = process.wait(timeout: 10)
        XCTAssertEqual(result.status, 1, "a second signal exits with status 1")
        XCTAssertLessThan(Date().timeIntervalSince(stopping), 1.5, "without waiting for shutdown_timeout (2s)")
    }
}
