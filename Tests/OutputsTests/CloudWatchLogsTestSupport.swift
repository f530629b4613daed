import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Events and pipelines for the cloudwatch_logs output's tests.
enum CloudWatchLogsTesting {
    /// An hour ago, in whole milliseconds (as nanoseconds): inside CloudWatch's window.
    static func recentEpoch() -> Int64 { (WallClock.nanoseconds() / 1_000_000_000 - 3600) * 1_000_000_000 }

    /// A loaded, prepared `static → cloudwatch_logs(out)` pipeline over `batches`, logging into `logs`.
    static func topology(_ test: XCTestCase, options: String, batches: [EventBatch], logs: LogCapture = LogCapture(),
                         dataDirectory: String? = nil) async throws -> Topology {
        let dataDirectory = try dataDirectory ?? temporaryDirectory(test).path
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [CloudWatchLogsOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 60s
            inputs:
              src: { type: static }
            outputs:
              out:
                type: cloudwatch_logs
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: logs.logger(level: .warning))
        try await topology.prepare()
        return topology
    }

    static func metrics(_ topology: Topology) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == "out" }!.metrics
    }

    /// The lines of `data_dir/dead_letter/out.ndjson`.
    static func deadLetters(_ dataDirectory: String) throws -> [String] {
        try String(contentsOfFile: "\(dataDirectory)/dead_letter/out.ndjson", encoding: .utf8).split(separator: "\n").map(String.init)
    }
}

/// A moto server (`moto_server`, the AWS API emulator) on a free loopback port, with SigV4
/// enforced after its first three actions (`INITIAL_NO_AUTH_ACTION_COUNT`: the IAM user and
/// key `setUp` makes), recording every request to a file; stopped by PID when the test ends.
final class MotoServer: @unchecked Sendable {
    /// Tests/OutputsTests/Support/cloudwatch_logs_moto.py: boto3 calls, printing JSON.
    static let helper = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/cloudwatch_logs_moto.py").path

    let port: Int
    let directory: String
    private let process = Process()
    /// The IAM user's access key, made at start.
    private(set) var accessKeyID = ""
    private(set) var secretAccessKey = ""

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var recording: String { "\(directory)/recording.jsonl" }

    /// Starts the server in `directory`, waits for it, makes an IAM user with an access key.
    init(_ test: XCTestCase, directory: String) async throws {
        guard let executable = Self.which("moto_server") else {
            throw XCTSkip("moto_server is not installed (scripts/install-deps.sh installs it)")
        }
        port = try freeLoopbackPort()
        self.directory = directory
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.environment = Self.privateEnvironment([
            "INITIAL_NO_AUTH_ACTION_COUNT": "3", "MOTO_ENABLE_RECORDING": "True", "MOTO_RECORDER_FILEPATH": recording,
        ])
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        FileManager.default.createFile(atPath: "\(directory)/moto.log", contents: nil)
        let log = FileHandle(forWritingAtPath: "\(directory)/moto.log")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        test.addTeardownBlock { [self] in await stop() }
        let port = self.port
        try await eventually(timeout: 30, "moto_server answers") { (try? RawHTTP.get(port: port, path: "/moto-api/")) != nil }
        let key = try await helper(["setup", endpoint]) as? [String: String]
        accessKeyID = key?["access_key_id"] ?? ""
        secretAccessKey = key?["secret_access_key"] ?? ""
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s).
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        if (try? await eventually(timeout: 10, "moto_server exits") { !self.process.isRunning }) == nil {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Runs the helper with `arguments`; its JSON output.
    func helper(_ arguments: [String]) async throws -> Any {
        let out = "\(directory)/helper-\(UUID().uuidString).json"
        FileManager.default.createFile(atPath: out, contents: nil)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: Self.which("python3") ?? "/usr/bin/python3")
        python.arguments = [Self.helper] + arguments
        python.environment = Self.privateEnvironment([:])
        python.standardOutput = FileHandle(forWritingAtPath: out)
        let errors = Pipe()
        python.standardError = errors
        try python.run()
        try await eventually(timeout: 60, "the moto helper finishes") { !python.isRunning }
        guard python.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw PipectlError("cloudwatch_logs_moto.py \(arguments.first ?? ""): \(text)")
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// Every event of `group`/`stream`, oldest first: (timestamp ms, message).
    func events(group: String, stream: String) async throws -> [(timestamp: Int64, message: String)] {
        let list = try await helper(["read", endpoint, accessKeyID, secretAccessKey, group, stream]) as? [[String: Any]] ?? []
        return list.map { (($0["timestamp"] as? NSNumber)?.int64Value ?? -1, $0["message"] as? String ?? "") }
    }

    /// The CloudWatch Logs requests the server received, in order (see the helper's `requests`).
    func requests() async throws -> [[String: Any]] {
        try await helper(["requests", recording]) as? [[String: Any]] ?? []
    }

    /// The server's environment: the path and the Python install, nothing of the test's own
    /// (no AWS_* variables), plus `extra`.
    private static func privateEnvironment(_ extra: [String: String]) -> [String: String] {
        let parent = ProcessInfo.processInfo.environment
        var environment = ["LANG": "C.UTF-8"]
        for name in ["PATH", "HOME", "PYENV_ROOT", "PYENV_VERSION", "VIRTUAL_ENV"] { environment[name] = parent[name] }
        return environment.merging(extra) { $1 }
    }

    private static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
