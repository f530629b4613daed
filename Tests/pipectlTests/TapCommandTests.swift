import Foundation
import PipelineTesting
import XCTest

/// `pipectl tap` against a running `demo → logfmt → blackhole` pipeline: limits, several taps
/// at once, tokens, refusals, the end of the stream, and slow readers that must not slow
/// the pipeline.
final class TapCommandTests: XCTestCase {
    private static let rate = 10_000
    private var dir: URL!

    override func setUpWithError() throws {
        _ = try Pipectl.binary()  // fails clearly when `swift build` has not run
        dir = try temporaryDirectory(self)
    }

    func testLimitPrintsExactlyThatManyEvents() throws {
        let (_, api) = try startPipeline()
        for (component, fields) in [("src", ["appname", "procid"]), ("fields", ["appname", "source"])] {
            let result = try pipectl(["tap", component, "--limit", "7", "--api", api], in: dir, timeout: 20)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stderr, "tap: 7 events, 0 skipped\n")
            let printed = lines(result.stdout)
            XCTAssertEqual(printed.count, 7, result.stdout)
            for line in printed {
                let event = try XCTUnwrap(jsonObject(line), "not a JSON object: \(line)")
                XCTAssertNotNil(event["timestamp"] as? String, line)
                XCTAssertNotNil(event["message"] as? String, line)
                XCTAssertTrue(fields.contains { event[$0] != nil }, "\(component) events carry \(fields): \(line)")
            }
        }
    }

    func testTwoTapsAtOnce() throws {
        let (_, api) = try startPipeline()
        let first = try PipectlProcess(["tap", "src", "--limit", "10000", "--api", api], in: dir)
        let second = try PipectlProcess(["tap", "src", "--limit", "10000", "--api", api], in: dir)
        var seen: [Set<String>] = []
        for process in [first, second] {
            let result = process.wait(timeout: 30)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("tap: 10000 events, "), result.stderr)
            seen.append(Set(lines(result.stdout)))
        }
        XCTAssertEqual(seen[0].count, 10000)
        XCTAssertFalse(seen[0].isDisjoint(with: seen[1]), "both taps were open at once, so both printed the same events")
    }

    func testToken() throws {
        let (_, api) = try startPipeline(token: "s3cret")
        let without = try pipectl(["tap", "src", "--limit", "1", "--api", api], in: dir)
        XCTAssertEqual(without.status, 1)
        XCTAssertEqual(without.stdout, "")
        XCTAssertEqual(without.stderr, "pipectl tap: the admin API at \(api) needs a token (401 Unauthorized); "
                       + "give its api.token with --token or PIPECTL_API_TOKEN\n")
        let wrong = try pipectl(["tap", "src", "--limit", "1", "--api", api, "--token", "guess"], in: dir)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.hasPrefix("pipectl tap: the admin API at \(api) refused the token (401 Unauthorized)"), wrong.stderr)
        let right = try pipectl(["tap", "src", "--limit", "2", "--api", api], in: dir, environment: ["PIPECTL_API_TOKEN": "s3cret"])
        XCTAssertEqual(right.status, 0, right.stderr)
        XCTAssertEqual(lines(right.stdout).count, 2)
    }

    func testRefusalsAndADeadAPI() throws {
        let (_, api) = try startPipeline()
        let refusals = [
            (["nope"], "no component \"nope\" in this pipeline; inputs and transforms: src, fields"),
            (["out"], "\"out\" is an output: outputs send nothing downstream; tap its inputs instead: fields"),
            (["src", "--port", "other"], "\"src\" has no port \"other\"; it has only its default port (without port=, the default port is tapped)"),
        ]
        for (arguments, message) in refusals {
            let result = try pipectl(["tap"] + arguments + ["--api", api], in: dir)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(result.stderr, "pipectl tap: \(message)\n")
        }
        let closed = try ListeningSocket()
        closed.close()
        let dead = try pipectl(["tap", "src", "--api", "http://127.0.0.1:\(closed.port)"], in: dir)
        XCTAssertEqual(dead.status, 1)
        XCTAssertEqual(dead.stderr, "pipectl tap: cannot reach the admin API at http://127.0.0.1:\(closed.port): connection refused\n")
    }

    func testCtrlCAndThePipelineStoppingEndTheTap() throws {
        let (pipeline, api) = try startPipeline()
        for stop in ["ctrl-c", "pipeline stops"] {
            let (tap, output) = try startTap(["src", "--api", api])
            waitUntil("events in the tap's output") { fileLines(output).count > 10 }
            if stop == "ctrl-c" { kill(tap.processIdentifier, SIGINT) } else { pipeline.signal(SIGTERM) }
            let stderr = wait(tap)
            XCTAssertEqual(tap.terminationStatus, 0, "\(stop): \(stderr)")
            XCTAssertEqual(stderr, "tap: \(fileLines(output).count) events, 0 skipped\n", stop)
        }
    }

    /// A reader that stops reading holds nothing up: the input goes on at its rate, the tap
    /// skips and counts, and a reader that reads again is told how much it missed.
    func testSlowReadersDoNotSlowThePipeline() throws {
        let (_, api) = try startPipeline()
        let port = Int(api.split(separator: ":").last!)!
        let stalled = try StalledReader(port: port, path: "/v1/tap/src")
        // `pipectl tap` whose stdout nobody reads for now: it blocks writing, so stops reading.
        let limit = 4 * Self.rate
        let (cli, pipe) = try startTap(["src", "--limit", "\(limit)", "--api", api], stdout: Pipe())
        let before = (sent: try sentEvents(port), time: Date())
        let stall = 3 * Self.rate
        var now = before
        try waitUntil("the input sending \(stall) more events while the readers stall", timeout: 10) {
            now = (try sentEvents(port), Date())
            return now.sent - before.sent >= stall
        }
        let rate = Double(now.sent - before.sent) / now.time.timeIntervalSince(before.time)
        XCTAssertGreaterThan(rate, 0.8 * Double(Self.rate), "events/s while the readers stall")

        let skipped = try stalled.readUntilSkipNotice(timeoutSeconds: 10)
        XCTAssertGreaterThan(skipped, 0, "the stalled reader is told what it missed")
        let printed = readAll(pipe, of: cli)
        let stderr = wait(cli)
        XCTAssertEqual(cli.terminationStatus, 0, stderr)
        XCTAssertEqual(printed.count, limit)
        let summary = try XCTUnwrap(stderr.firstMatch(of: /^tap: (\d+) events, (\d+) skipped \(this reader was too slow; the pipeline did not wait\)\n$/),
                                    stderr)
        XCTAssertEqual(Int(summary.1), limit)
        XCTAssertGreaterThan(Int(summary.2) ?? 0, 0)
    }

    // MARK: Helpers

    /// Starts `demo (rate 10000/s) → logfmt → blackhole` with the admin API on a free port
    /// (read from the log); returns the process and `127.0.0.1:PORT`. Stopped when the test ends.
    private func startPipeline(token: String? = nil) throws -> (PipectlProcess, String) {
        try """
            data_dir: ./data
            api:
              listen: 127.0.0.1:0
              \(token.map { "token: \($0)" } ?? "")
            inputs:
              src: { type: demo, rate: \(Self.rate) }
            transforms:
              fields: { type: logfmt, inputs: [src] }
            outputs:
              out: { type: blackhole, inputs: [fields] }
            """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("pipectl.log")
        let process = try PipectlProcess(["run", "p.yaml", "--log-file", log.path], in: dir)
        addTeardownBlock {
            process.signal(SIGTERM)
            process.wait(timeout: 15)
        }
        var address = ""
        waitUntil("the admin API log line") {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            guard let match = text.range(of: #"admin API listening on 127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return false }
            address = String(text[match].dropFirst("admin API listening on ".count))
            return true
        }
        return (process, address)
    }

    /// Starts `pipectl tap arguments` with stdout into a fresh file (returned), or into `stdout`.
    private func startTap(_ arguments: [String]) throws -> (Process, URL) {
        let output = dir.appendingPathComponent("tap-\(UUID().uuidString).ndjson")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let (process, _) = try startTap(arguments, stdout: try FileHandle(forWritingTo: output))
        return (process, output)
    }

    private func startTap<Out>(_ arguments: [String], stdout: Out) throws -> (Process, Out) {
        let process = Process()
        process.executableURL = try Pipectl.binary()
        process.arguments = ["tap"] + arguments
        process.currentDirectoryURL = dir
        process.environment = Pipectl.environment([:])
        process.standardOutput = stdout
        let stderr = dir.appendingPathComponent("tap-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderr)
        stderrFiles[ObjectIdentifier(process)] = stderr
        try process.run()
        addTeardownBlock { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        return (process, stdout)
    }

    private var stderrFiles: [ObjectIdentifier: URL] = [:]

    /// Waits (bounded) for `process` to exit; returns its stderr.
    private func wait(_ process: Process, timeout: Double = 20) -> String {
        waitUntil("pipectl tap to exit", timeout: timeout) { !process.isRunning }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return stderrFiles[ObjectIdentifier(process)].flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
    }

    /// Reads `pipe` to its end (when `process` exits), killing `process` after `timeout` s; the lines.
    private func readAll(_ pipe: Pipe, of process: Process, timeout: Double = 30) -> [String] {
        let done = DispatchSemaphore(value: 0)
        let data = NSLock(), box = DataBox()
        DispatchQueue.global().async {
            let read = pipe.fileHandleForReading.readDataToEndOfFile()
            data.withLock { box.data = read }
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            XCTFail("pipectl tap did not finish within \(timeout) s; killed")
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        return lines(String(decoding: data.withLock { box.data }, as: UTF8.self))
    }

    /// `sent_events` of `src` from `/v1/components`.
    private func sentEvents(_ port: Int) throws -> Int {
        let answer = try httpGet(port: port, path: "/v1/components")
        let list = jsonObject(answer.body)?["components"] as? [[String: Any]]
        return try XCTUnwrap(list?.first { $0["id"] as? String == "src" }?["sent_events"] as? Int, answer.body)
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// A client that asks for a tap and then reads nothing, with a small receive buffer so the
/// connection fills quickly; closed when released.
private final class StalledReader {
    private let connection: TCPTestClient

    init(port: Int, path: String) throws {
        connection = try TCPTestClient(port: port, receiveBufferBytes: 4096)
        try connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
    }


    /// Reads until a `{"tap":{"skipped":N}}` line; returns N.
    func readUntilSkipNotice(timeoutSeconds: Double) throws -> Int {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let notice = Array(#"{"tap":{"skipped":"#.utf8)
        while Date() < deadline {
            let n = connection.receive(into: &chunk)
            guard n > 0 else { throw CLIError("the tap stream ended or failed before a skip notice") }
            let from = max(0, received.count - notice.count - 20)
            received.append(contentsOf: chunk[..<n])
            if let start = received[from...].indices.first(where: { received[$0...].starts(with: notice) }),
               let end = received[start...].firstIndex(of: UInt8(ascii: "}")) {
                return Int(String(decoding: received[(start + notice.count)..<end], as: UTF8.self)) ?? 0
            }
        }
        throw CLIError("no skip notice within \(timeoutSeconds) s (\(received.count) bytes read)")
    }
}
