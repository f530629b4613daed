import Foundation
import PipelineTesting
import XCTest

/// A server `ForwarderPipelineTests` runs (VictoriaMetrics, node_exporter) on a loopback port,
/// its output in a log file; stopped by its PID when the test ends, whatever happened.
final class ForwarderTestServer {
    let port: Int
    let log: URL
    private let process = Process()

    /// Starts `executable arguments` and waits until `GET readyPath` on `port` answers 200.
    static func started(_ test: XCTestCase, _ executable: String, _ arguments: [String], port: Int, readyPath: String,
                        in dir: URL) throws -> ForwarderTestServer {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("\(executable) is not installed (scripts/install-deps.sh installs it)")
        }
        let server = try ForwarderTestServer(executable, arguments, port: port, in: dir)
        test.addTeardownBlock { server.stop() }
        try poll("\(executable) ready on 127.0.0.1:\(port)", timeout: 15, detail: { server.logText }) {
            guard server.process.isRunning else { throw CLIError("\(executable) exited: \(server.logText)") }
            return (try? httpGet(port: port, path: readyPath))?.status == 200
        }
        return server
    }

    private init(_ executable: String, _ arguments: [String], port: Int, in dir: URL) throws {
        self.port = port
        log = dir.appendingPathComponent("\(URL(fileURLWithPath: executable).lastPathComponent)-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// SIGTERM by PID; SIGKILL when it has not exited 10 s later.
    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}

/// VictoriaMetrics' Prometheus query API, read over plain HTTP.
struct VictoriaMetricsQueryAPI {
    let port: Int

    /// Makes what was just written searchable (`/internal/force_flush`).
    func flush() { _ = try? httpGet(port: port, path: "/internal/force_flush") }

    /// An instant `/api/v1/query`: each series' labels (with `__name__`) and value.
    func query(_ promql: String) throws -> [(labels: [String: String], value: Double)] {
        let data = try get("/api/v1/query?query=\(Self.encoded(promql))")
        guard let results = (data as? [String: Any])?["result"] as? [[String: Any]] else {
            throw CLIError("query \(promql): no vector result in \(data)")
        }
        return try results.map { result in
            guard let labels = result["metric"] as? [String: String], let pair = result["value"] as? [Any], pair.count == 2,
                  let text = pair[1] as? String, let value = Double(text) else {
                throw CLIError("query \(promql): unexpected result \(result)")
            }
            return (labels, value)
        }
    }

    /// The label sets of the series matching `selector` written in the last hour (`/api/v1/series`).
    func series(_ selector: String) throws -> [[String: String]] {
        let start = Int(Date().timeIntervalSince1970) - 3600
        let data = try get("/api/v1/series?match%5B%5D=\(Self.encoded(selector))&start=\(start)")
        guard let series = data as? [[String: String]] else { throw CLIError("series \(selector): unexpected data \(data)") }
        return series
    }

    /// The `data` member of a successful answer.
    private func get(_ path: String) throws -> Any {
        let response = try HTTPTestClient.request(port: port, path, timeoutSeconds: 5)
        let body = decodedBody(response)
        guard response.status == 200, let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              object["status"] as? String == "success", let data = object["data"] else {
            throw CLIError("GET \(path): \(response.status) \(body)")
        }
        return data
    }

    private static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"))
            ?? text
    }
}

/// The samples of the Prometheus text page at 127.0.0.1:`port``path`, asked for with the
/// `Accept` header prometheus_scrape sends, so a target answers with the page it scrapes.
func metricsPage(port: Int, path: String = "/metrics") throws -> [PrometheusSample] {
    let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    let response = try HTTPTestClient.request(port: port, path, headers: [("Accept", accept)], timeoutSeconds: 5)
    guard response.status == 200 else { throw CLIError("GET 127.0.0.1:\(port)\(path): \(response.status)") }
    return PrometheusSample.parse(decodedBody(response))
}

/// A response's body, its chunks (`SIZE\r\nDATA\r\n…0\r\n\r\n`) joined when it came chunked.
func decodedBody(_ response: HTTPTestClient.Response) -> String {
    guard response.header("Transfer-Encoding")?.lowercased() == "chunked" else { return response.body }
    var bytes = Substring(response.body).utf8[...]
    var out: [UInt8] = []
    while let end = bytes.firstIndex(of: UInt8(ascii: "\r")),
          let size = Int(String(decoding: bytes[..<end], as: UTF8.self).split(separator: ";").first ?? "", radix: 16), size > 0 {
        let start = bytes.index(end, offsetBy: 2)
        let stop = bytes.index(start, offsetBy: size)
        out += bytes[start..<stop]
        bytes = bytes[bytes.index(stop, offsetBy: 2)...]
    }
    return String(decoding: out, as: UTF8.self)
}
