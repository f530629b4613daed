import Foundation
import XCTest

/// What `SyslogPipelineTests` sends through `pipelines/syslog.yaml`: `logger` invocations
/// (after `--tcp --server 127.0.0.1 --port P`) and the message each carries, which keys it.
enum SyslogPipelineMessages {
    /// A Heroku router line of app `billing`: RFC 3164 with the tag `billing[router]`, which
    /// rsyslog reads as APP-NAME `billing` and PROCID `router` (logger's `--id` takes numbers only).
    struct Router {
        let path: String
        let serviceMilliseconds: Int
        let bytes: Int
        let requestID: String

        var message: String {
            #"at=info method=GET path="\#(path)" host=billing.example.com request_id=\#(requestID) fwd="203.0.113.7" "#
                + "dyno=web.1 connect=1ms service=\(serviceMilliseconds)ms status=200 bytes=\(bytes) protocol=https"
        }
    }

    /// logger options of a router line.
    static let routerTag = ["--rfc3164", "-t", "billing[router]", "-p", "local3.info"]

    static let router = [
        Router(path: "/x", serviceMilliseconds: 23, bytes: 656, requestID: "9e1f0c2a-0001"),
        Router(path: "/x?page=2", serviceMilliseconds: 45, bytes: 1024, requestID: "9e1f0c2a-0002"),
        Router(path: "/invoices/42", serviceMilliseconds: 120, bytes: 20480, requestID: "9e1f0c2a-0003"),
    ]

    static let timeout = #"at=error code=H12 desc="Request timeout" method=GET path="/slow" host=billing.example.com "#
        + #"request_id=9e1f0c2a-0004 fwd="203.0.113.7" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https"#

    /// Lines no pattern of the `router` transform matches: RFC 5424 with MSGID and structured
    /// data, an app's own log line, and a cron line.
    static let others: [(message: String, arguments: [String])] = [
        ("deploy finished release=v42", ["--octet-count", "--rfc5424=notq", "--msgid", "DEPLOY", "-t", "billing", "--id=4242",
                                         "-p", "local0.notice", "--sd-id", "meta@32473", "--sd-param", #"release="v42""#]),
        ("at=info state=up dyno=web.1 source=billing", ["--rfc3164", "-t", "billing[web.1]", "-p", "local3.info"]),
        ("nightly backup done", ["--rfc3164", "-t", "cron[42]", "-p", "cron.info"]),
    ]

    /// Every `logger` invocation: arguments and message.
    static var all: [(message: String, arguments: [String])] {
        router.map { ($0.message, routerTag) } + [(timeout, routerTag)] + others
    }

    /// The key of a message: its text without the SP rsyslog keeps after an RFC 3164 `TAG:`.
    static func key(_ fields: SyslogFields) -> String? {
        String(fields.message.drop { $0 == " " })
    }
}

/// Child programs the pipeline test runs (logger, curl, promtool), each bounded in time and
/// killed by its PID when it overruns; output goes through a file, so no pipe can fill.
enum SyslogPipelineTool {
    /// Runs `executable arguments` in `dir` with TZ=UTC and `stdin` (a file) as its input;
    /// returns its exit status and what it wrote to stdout and stderr.
    static func run(_ executable: String, _ arguments: [String], in dir: URL, stdin: URL? = nil,
                    timeout: Double = 10) throws -> (status: Int32, output: String) {
        let outputFile = dir.appendingPathComponent("tool-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["TZ": "UTC"]) { $1 }
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(2_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }

    /// The first executable `name` in PATH, /usr/bin or /usr/local/bin; nil when there is none.
    static func find(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin", "/usr/local/bin"]
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// One sample of a Prometheus text exposition: `name{label="value",…} value`.
struct PrometheusSample {
    let name: String
    let labels: [String: String]
    let value: Double

    /// Every sample of `text` (comments skipped; label values without escapes, as the test's are).
    static func parse(_ text: String) -> [PrometheusSample] {
        text.split(separator: "\n").compactMap { line -> PrometheusSample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                return nil
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return PrometheusSample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)...].dropLast().split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return PrometheusSample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The value of the one sample called `name` whose labels include `labels`; nil when there
    /// is none or more than one.
    static func value(_ name: String, _ labels: [String: String] = [:], in samples: [PrometheusSample]) -> Double? {
        let matching = samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }
}
