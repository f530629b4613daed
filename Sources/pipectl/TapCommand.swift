import ArgumentParser
import Foundation

/// `pipectl tap COMPONENT [--limit N] [--port P] [--api URL] [--token T]`: the events a
/// component sends downstream, live, one JSON object per line on stdout (SPEC §4), read
/// from the admin API's `GET /v1/tap/{id}`.
///
/// The pipeline never waits for a tap: what this reader is too slow to take is skipped and
/// counted, and the count is printed on stderr at the end, with the events printed.
struct TapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract: "Prints the events a component sends downstream, live, as NDJSON.",
        discussion: """
            Reads the admin API of a running pipeline. Stops after --limit events, on Ctrl-C \
            or SIGTERM, or when the pipeline stops; then prints on stderr how many events were \
            printed and how many were skipped because this reader fell behind (the pipeline \
            never waits for a tap). Outputs send nothing downstream: tap their inputs.
            """)

    @Argument(help: "The input or transform to watch.") var component: String
    @Option(help: "Stop after this many events.") var limit: Int?
    @Option(help: "A named port of the component (e.g. regex's unmatched); default: its default port.") var port: String?
    @Option(help: "The admin API of the running pipeline.") var api = "http://127.0.0.1:8686"
    @Option(help: "The api.token of the pipeline (env PIPECTL_API_TOKEN).") var token: String?

    func validate() throws {
        _ = try endpoint()
        if let limit, limit < 1 { throw ValidationError("--limit \(limit): expected a number of events above 0") }
        if component.isEmpty { throw ValidationError("COMPONENT: expected a component id") }
    }

    func run() throws {
        var client = AdminAPIClient(endpoint: try endpoint(), token: AdminAPIClient.token(flag: token))
        client.userAgent = "pipectl-tap"
        signal(SIGPIPE, SIG_IGN)  // a closed stdout (`| head`) ends the tap, with its summary
        let stream: AdminAPIStream
        do { stream = try client.openStream(path(prefix: client.endpoint.prefix), accept: "application/x-ndjson") } catch {
            printError("pipectl tap: \(error)")
            throw ExitCode(1)
        }
        let signals = SignalHandlers { _ in stream.interrupt() }
        defer { signals.cancel() }
        var counts = TapCounts()
        var failure: AdminAPIError?
        do { try copyEvents(from: stream, counts: &counts) } catch { failure = error }
        printError(counts.summary)
        if let failure, !stream.interrupted {
            printError("pipectl tap: \(failure)")
            throw ExitCode(1)
        }
    }

    /// Writes the event lines to stdout until the limit, the stream's end, an interrupt or a
    /// closed stdout; counts events and the skips the notice and totals lines report.
    private func copyEvents(from stream: AdminAPIStream, counts: inout TapCounts) throws(AdminAPIError) {
        var out: [UInt8] = []
        while counts.events < limit ?? .max, let lines = try stream.nextLines() {
            out.removeAll(keepingCapacity: true)
            for line in lines {
                if counts.take(notice: line) { continue }
                guard counts.events < limit ?? .max else { break }
                out.append(contentsOf: line)
                out.append(UInt8(ascii: "\n"))
                counts.events += 1
            }
            guard Self.writeAll(out) else { return }
        }
        // At the limit the API sends its totals line next, then ends: it has the last skip count.
        if limit != nil, !stream.interrupted {
            while let lines = try stream.nextLines() { for line in lines { _ = counts.take(notice: line) } }
        }
    }

    /// `/v1/tap/ID?port=P&limit=N`, percent-encoded.
    private func path(prefix: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "/?&=+#")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        var query: [String] = []
        if let port { query.append("port=" + encode(port)) }
        if let limit { query.append("limit=\(limit)") }
        return prefix + "/v1/tap/" + encode(component) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    private func endpoint() throws -> AdminAPIEndpoint {
        do { return try AdminAPIEndpoint(api) } catch { throw ValidationError(error.description) }
    }

    /// Writes `bytes` to stdout; false when stdout is closed.
    private static func writeAll(_ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            rest = rest.dropFirst(n)
        }
        return true
    }
}

/// What a tap printed and what the API said it skipped.
struct TapCounts {
    var events = 0
    /// The sum of the `{"tap":{"skipped":N}}` notices so far.
    private var noticed = 0
    /// The totals line's skip count, when it came (it counts skips after the last notice too).
    private var total: Int?

    var skipped: Int { total ?? noticed }

    /// `tap: 10 events, 0 skipped`, with why when some were skipped.
    var summary: String {
        "tap: \(events) events, \(skipped) skipped" + (skipped > 0 ? " (this reader was too slow; the pipeline did not wait)" : "")
    }

    /// True when `line` is one of the API's `{"tap":…}` lines (counted, not printed).
    mutating func take(notice line: [UInt8]) -> Bool {
        guard line.starts(with: Array(#"{"tap":"#.utf8)) else { return false }
        let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any]
        guard let tap = object?["tap"] as? [String: Any], let skipped = tap["skipped"] as? Int else { return true }
        if tap["events"] != nil { total = skipped } else { noticed += skipped }
        return true
    }
}
