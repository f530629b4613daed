import Foundation
import Pipeline
import PipelineTesting
import XCTest

/// The strict OTLP/HTTP test receiver (`Support/otlp_receiver.py`, on opentelemetry-proto) on a
/// free loopback port, recording every request; stopped by PID when the test ends.
final class OTLPTestReceiver: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/otlp_receiver.py").path

    /// One request as the receiver recorded it.
    struct Request {
        var path: String
        var status: Int
        /// Unix seconds, when it was answered.
        var at: Double
        /// Lower-case names.
        var headers: [String: String]
        /// The decompressed protobuf, when it parsed.
        var body: [UInt8]?
        /// The request as OTLP/JSON (enums as integers, ids in hex), when it parsed.
        var request: [String: Any]?
    }

    let directory: String
    private(set) var port = 0
    private let process = Process()

    var endpoint: String { "http://127.0.0.1:\(port)" }
    private var recording: String { "\(directory)/requests.jsonl" }

    /// Starts the receiver with its command-line `options` (`--script 503`, `--max-bytes 700`,
    /// `--partial 2:quota`) and waits until it listens; skips the test without Python's
    /// opentelemetry-proto.
    init(_ test: XCTestCase, directory: String, options: [String] = []) async throws {
        self.directory = directory
        let out = "\(directory)/receiver.out", err = "\(directory)/receiver.err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0", "--record", recording] + options
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        test.addTeardownBlock { [self] in await stop() }
        try await eventually(timeout: 30, "otlp_receiver.py prints READY") { Self.readyPort(out) != nil || !process.isRunning }
        guard let port = Self.readyPort(out) else {
            let problem = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            if problem.contains("ModuleNotFoundError") { throw XCTSkip("otlp_receiver.py needs opentelemetry-proto: \(problem)") }
            throw PipectlError("otlp_receiver.py did not start: \(problem)")
        }
        self.port = port
    }

    /// Stops the receiver (SIGTERM, then SIGKILL after 10 s).
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        if (try? await eventually(timeout: 10, "otlp_receiver.py exits") { !self.process.isRunning }) == nil {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Every request so far, in the order answered.
    func requests() throws -> [Request] {
        guard FileManager.default.fileExists(atPath: recording) else { return [] }
        return try String(contentsOfFile: recording, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return Request(path: object["path"] as? String ?? "", status: object["status"] as? Int ?? 0,
                           at: object["at"] as? Double ?? 0, headers: object["headers"] as? [String: String] ?? [:],
                           body: (object["body"] as? String).map(OpenTelemetryOutputTesting.bytes(hex:)),
                           request: object["request"] as? [String: Any])
        }
    }

    /// The requests on `path` (`/v1/logs`) answered with `status`.
    func requests(_ path: String, status: Int? = nil) throws -> [Request] {
        try requests().filter { $0.path == path && (status == nil || $0.status == status) }
    }

    private static func readyPort(_ file: String) -> Int? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), text.hasPrefix("READY "), text.hasSuffix("\n") else { return nil }
        return Int(text.dropFirst(6).dropLast())
    }
}
