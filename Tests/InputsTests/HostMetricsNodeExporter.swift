import Foundation
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// A private prometheus node_exporter on a free loopback port, started with the given
/// collectors only and stopped by its PID.
final class HostMetricsNodeExporter {
    static let executable = "/usr/bin/prometheus-node-exporter"

    /// Skips the test when node_exporter is not installed (scripts/install-deps.sh installs it).
    static func requireInstalled() throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("node_exporter is not installed at \(executable) (scripts/install-deps.sh installs prometheus-node-exporter)")
        }
    }

    let port: Int
    private let process = Process()
    private let log: URL

    /// Starts it with `--collector.disable-defaults`, one `--collector.<name>` per collector
    /// and `flags`, and waits until `/metrics` answers.
    init(collectors: [String], flags: [String], in dir: URL) async throws {
        port = try freeLoopbackPort()
        log = dir.appendingPathComponent("node_exporter.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults"]
            + collectors.map { "--collector.\($0)" } + flags
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
        let process = self.process
        let port = self.port
        let log = self.log
        try await eventually(timeout: 20, "node_exporter answering on \(port)") {
            guard process.isRunning else {
                throw PipectlError("node_exporter exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            return (try? HTTPTestClient.request(port: port, "/metrics", timeoutSeconds: 2).status) == 200
        }
    }

    /// One scrape of `/metrics`, parsed.
    func scrape() throws -> [HostSample] {
        let response = try HTTPTestClient.request(port: port, "/metrics")
        XCTAssertEqual(response.status, 200)
        let body = response.header("Transfer-Encoding")?.lowercased() == "chunked" ? try Self.dechunk(response.body) : response.body
        return try HostMetricsTextParser.parse(body)
    }

    /// Stops it by its PID: SIGTERM, then SIGKILL after 10 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(1_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// The body of an HTTP/1.1 chunked response (RFC 9112 §7.1): `hex-size CRLF data CRLF`…, `0 CRLF CRLF`.
    static func dechunk(_ text: String) throws -> String {
        var bytes = Substring(text).utf8[...]
        var out: [UInt8] = []
        while true {
            guard let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")),
                  let size = Int(String(decoding: bytes[..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else {
                throw PipectlError("bad chunk header")
            }
            bytes = bytes[bytes.index(lineEnd, offsetBy: 2)...]
            if size == 0 { return String(decoding: out, as: UTF8.self) }
            out.append(contentsOf: bytes.prefix(size))
            bytes = bytes.dropFirst(size + 2)
        }
    }
}

/// Just enough of the Prometheus text format 0.0.4 for node_exporter's output:
/// `name{label="value",…} value` lines; `#` lines skipped.
enum HostMetricsTextParser {
    static func parse(_ text: String) throws -> [HostSample] {
        try text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(sample)
    }

    private static func sample(_ line: Substring) throws -> HostSample {
        var rest = line[...]
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let eq = rest.firstIndex(of: "=") else { throw PipectlError("bad labels in \(line)") }
                let label = String(rest[..<eq])
                rest = rest[eq...].dropFirst(2)  // `="`
                var value = ""
                while let c = rest.first, c != "\"" {
                    rest = rest.dropFirst()
                    if c == "\\", let escaped = rest.first {
                        rest = rest.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(c)
                    }
                }
                rest = rest.dropFirst()
                if rest.first == "," { rest = rest.dropFirst() }
                labels[label] = value
            }
            rest = rest.dropFirst()
        }
        guard let value = Double(rest.trimmingCharacters(in: .whitespaces)) else { throw PipectlError("bad value in \(line)") }
        return HostSample(name: name, labels: labels, value: value, kind: .gauge)
    }
}
