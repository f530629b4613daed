import Foundation
import XCTest

/// `pipectl run`, as a child process: ending by itself, SIGTERM, start-up failures, log format.
final class RunCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        _ = try Pipectl.binary()  // fails clearly when `swift build` has not run
        dir = try temporaryDirectory(self)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// A pipeline `demo (options) → file out/NAME.ndjson`, admin API on a free port.
    private func demoToFile(_ name: String, demo: String, extra: String = "") throws -> URL {
        try write("\(name).yaml", """
            data_dir: ./data
            shutdown_timeout: 5s
            api:
              listen: 127.0.0.1:0
            \(extra)
            inputs:
              src: { type: demo, \(demo) }
            outputs:
              out: { type: file, inputs: [src], path: ./out/\(name).ndjson }
            """)
        return dir.appendingPathComponent("out/\(name).ndjson")
    }

    func testRunEndsByItselfWhenTheInputEnds() throws {
        let output = try demoToFile("counted", demo: "rate: 0, count: 1000")
        let result = try pipectl(["run", "counted.yaml"], in: dir, timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        let written = fileLines(output)
        XCTAssertEqual(written.count, 1000)
        for line in written {
            guard let object = jsonObject(line) else { return XCTFail("not JSON: \(line)") }
            XCTAssertNotNil(object["timestamp"] as? String)
            XCTAssertNotNil(object["message"] as? String)
            XCTAssertEqual(object["facility"] as? Int, 19)
        }
        XCTAssertTrue(result.stderr.contains("pipeline stopped"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("data").path), "data_dir is created")
    }

    func testSigtermStopsAnEndlessRunAndDrainsEverything() throws {
        let output = try demoToFile("endless", demo: "rate: 2000, seed: 11")
        let logFile = dir.appendingPathComponent("pipectl.log")
        let process = try PipectlProcess(["run", "endless.yaml", "--log-file", logFile.path], in: dir)

        // The admin API answers while the pipeline runs (its port is in the log).
        var port = 0
        waitUntil("the admin API log line") {
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            guard let match = log.range(of: #"admin API listening on 127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return false }
            port = Int(log[match].split(separator: ":").last!) ?? 0
            return true
        }
        XCTAssertEqual(try httpGet(port: port, path: "/healthz").body, "ok\n")
        let components = try httpGet(port: port, path: "/v1/components")
        XCTAssertEqual(components.status, 200)
        XCTAssertTrue(components.body.contains("\"id\":\"src\""), components.body)

        waitUntil("events in the output file") { fileLines(output).count >= 300 }
        let stopping = Date()
        process.signal(SIGTERM)
        let result = process.wait(timeout: 5 + 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(stopping), 5, "stopped within shutdown_timeout")
        XCTAssertFalse(process.process.isRunning)
        XCTAssertEqual(result.stderr, "", "logs went to --log-file")
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("shutting down"), log)
        XCTAssertTrue(log.contains("pipeline stopped"), log)
        XCTAssertFalse(log.contains("shutdown_timeout"), "nothing was left undelivered: \(log)")

        let text = try String(contentsOf: output, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"), "no half-written line")
        let written = fileLines(output)
        XCTAssertGreaterThan(written.count, 0)
        XCTAssertEqual(written.count % 100, 0, "whole batches of rate/20 events were delivered")
        let messages = written.map { jsonObject($0)?["message"] as? String }
        XCTAssertFalse(messages.contains(nil), "every line is a JSON object with a message")

        // Same seed, same count, no pacing: the same messages in the same order (nothing lost or repeated).
        let replay = try demoToFile("replay", demo: "rate: 0, seed: 11, count: \(written.count)")
        XCTAssertEqual(try pipectl(["run", "replay.yaml"], in: dir, timeout: 60).status, 0)
        XCTAssertEqual(fileLines(replay).map { jsonObject($0)?["message"] as? String }, messages)
    }

    func testSigintAlsoStops() throws {
        let output = try demoToFile("interrupted", demo: "rate: 1000")
        let process = try PipectlProcess(["run", "interrupted.yaml"], in: dir)
        waitUntil("events in the output file") { fileLines(output).count >= 50 }
        process.signal(SIGINT)
        let result = process.wait(timeout: 10)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("shutting down"), result.stderr)
    }

    func testAdminPortInUseFailsStartup() throws {
        let taken = try ListeningSocket()
        defer { taken.close() }
        try write("taken.yaml", """
            data_dir: ./data
            api:
              listen: 127.0.0.1:\(taken.port)
            inputs:
              src: { type: demo }
            outputs:
              out: { type: file, inputs: [src], path: ./out/x.ndjson }
            """)
        let process = try PipectlProcess(["run", "taken.yaml"], in: dir)
        let result = process.wait(timeout: 15)
        XCTAssertFalse(process.process.isRunning, "no process left running")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("taken.yaml: api.listen: cannot listen on 127.0.0.1:\(taken.port): Address already in use"),
                      result.stderr)
        XCTAssertEqual(fileLines(dir.appendingPathComponent("out/x.ndjson")), [], "nothing ran")
    }

    func testExporterPortInUseFailsStartup() throws {
        let taken = try ListeningSocket()
        defer { taken.close() }
        try write("exporter.yaml", """
            data_dir: ./data
            api: { enabled: false }
            inputs:
              own: { type: internal_metrics }
            outputs:
              prom: { type: prometheus_exporter, inputs: [own], listen: "127.0.0.1:\(taken.port)" }
            """)
        let result = try pipectl(["run", "exporter.yaml"], in: dir, timeout: 15)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("outputs.prom: cannot listen on 127.0.0.1:\(taken.port): Address already in use"),
                      result.stderr)
    }

    func testUnwritableDataDirFailsStartup() throws {
        try "not a folder".write(to: dir.appendingPathComponent("regular"), atomically: true, encoding: .utf8)
        try write("dd.yaml", """
            data_dir: ./regular/data
            api: { enabled: false }
            inputs:
              src: { type: demo }
            outputs:
              out: { type: blackhole, inputs: [src] }
            """)
        let result = try pipectl(["run", "dd.yaml"], in: dir, timeout: 15)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(lines(result.stderr).filter { !$0.contains(" INFO ") },
                       ["dd.yaml: data_dir: cannot create ./regular/data: Not a directory"])
    }

    func testInvalidPipelineDoesNotRun() throws {
        try write("bad.yaml", "inputs:\n  src: { type: demo, rate: -1 }\noutputs:\n  out: { type: blackhole, inputs: [src] }\n")
        let result = try pipectl(["run", "bad.yaml"], in: dir, timeout: 15)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(lines(result.stderr), ["bad.yaml:2:28: inputs.src.rate: expected an integer between 0 and 100000000, got '-1'"])
    }

    func testJSONLogFormat() throws {
        _ = try demoToFile("logged", demo: "rate: 0, count: 10")
        for arguments in [["run", "--log-format", "json", "logged.yaml"], ["run", "logged.yaml"]] {
            let environment = arguments.count == 2 ? ["PIPECTL_LOG_FORMAT": "json"] : [:]
            let result = try pipectl(arguments, in: dir, environment: environment, timeout: 60)
            XCTAssertEqual(result.status, 0, result.stderr)
            let logLines = lines(result.stderr)
            XCTAssertGreaterThanOrEqual(logLines.count, 3, result.stderr)
            for line in logLines {
                guard let object = jsonObject(line) else { return XCTFail("not one JSON object: \(line)") }
                let time = try XCTUnwrap(object["time"] as? String)
                XCTAssertNotNil(time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"#, options: .regularExpression), time)
                XCTAssertEqual(object["level"] as? String, "info")
                XCTAssertNotNil(object["msg"] as? String)
            }
            let messages = logLines.compactMap { jsonObject($0)?["msg"] as? String }
            XCTAssertTrue(messages.contains("pipeline started: 1 inputs, 0 transforms, 1 outputs"), "\(messages)")
            XCTAssertEqual(messages.last, "pipeline stopped")
        }
    }

    func testLogLevelFiltersMessages() throws {
        _ = try demoToFile("quiet", demo: "rate: 0, count: 10")
        let result = try pipectl(["run", "--log-level", "warning", "quiet.yaml"], in: dir, timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
    }
}
