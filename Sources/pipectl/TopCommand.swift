import ArgumentParser
import Foundation
import Pipeline

/// `pipectl top [--api URL] [--token T] [--interval 1s] [--once]`: every component's rates,
/// errors, drops, buffer fill and output latency, read from the admin API's `/v1/components`.
///
/// Rates are the differences of two snapshots over the pipeline's own clock. On a terminal
/// the table is redrawn in place every interval until Ctrl-C (exit 0); when standard output
/// is not a terminal, a table is printed every interval, separated by blank lines, as
/// `--once` would. An API that cannot be reached or refuses the token ends it with exit 1.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Shows every component's events/s, bytes/s, errors, drops, buffer fill and output latency, live.",
        discussion: """
            Reads the admin API of a running pipeline. On a terminal the table redraws in place \
            (Ctrl-C quits); narrow terminals drop the least important columns (listed below the \
            table). Piped, it prints a table every interval; --once prints one and exits.
            """)

    @Option(help: "The admin API of the running pipeline.") var api = "http://127.0.0.1:8686"
    @Option(help: "The api.token of the pipeline (env PIPECTL_API_TOKEN).") var token: String?
    @Option(help: "Time between snapshots, e.g. 1s or 500ms (at least 100ms).") var interval = "1s"
    @Flag(help: "Print one table, with rates over one interval, and exit (for scripts).") var once = false

    func validate() throws {
        _ = try endpoint()
        _ = try period()
    }

    func run() throws {
        let client = AdminAPIClient(endpoint: try endpoint(), token: bearerToken)
        let period = try period()
        do {
            if once {
                try printTables(client, period: period, count: 1)
            } else if TopTerminal.isInteractive {
                try runLive(client, period: period)
            } else {
                try printTables(client, period: period, count: nil)
            }
        } catch {
            printError("pipectl top: \(error)")
            throw ExitCode(1)
        }
    }

    /// Prints `count` tables (nil: until stopped), each with rates over one `period`.
    private func printTables(_ client: AdminAPIClient, period: Duration, count: Int?) throws(AdminAPIError) {
        let signals = SignalHandlers { _ in Foundation.exit(0) }
        defer { signals.cancel() }
        let width = TopTerminal.isInteractive ? TopTerminal.size().width : TopTerminal.environmentNumber("COLUMNS")
        var previous = try client.components()
        var printed = 0
        var tick = ContinuousClock.now
        while count.map({ printed < $0 }) ?? true {
            tick = Self.sleep(until: tick.advanced(by: period))
            let current = try client.components()
            let table = TopScreen.table(previous: previous, current: current, width: width)
            TopTerminal.writeOut((printed > 0 ? "\n" : "") + table.joined(separator: "\n") + "\n")
            previous = current
            printed += 1
        }
    }

    /// Redraws the screen every `period` until a signal (exit 0) or an API failure (thrown).
    private func runLive(_ client: AdminAPIClient, period: Duration) throws(AdminAPIError) {
        let terminal = TopTerminal()
        let signals = SignalHandlers { _ in
            terminal.restore()
            Foundation.exit(0)
        }
        defer {
            signals.cancel()
            terminal.restore()
        }
        var previous: ComponentsSnapshot?
        var tick = ContinuousClock.now
        while true {
            let current = try client.components()
            let (width, height) = TopTerminal.size()
            terminal.draw(TopScreen.frame(previous: previous, current: current, width: width, height: height,
                                          api: client.endpoint.description, interval: interval))
            previous = current
            tick = Self.sleep(until: tick.advanced(by: period))
        }
    }

    private var bearerToken: String? {
        let value = token ?? ProcessInfo.processInfo.environment["PIPECTL_API_TOKEN"]
        return value?.isEmpty == false ? value : nil
    }

    private func endpoint() throws -> AdminAPIEndpoint {
        do { return try AdminAPIEndpoint(api) } catch { throw ValidationError(error.description) }
    }

    private func period() throws -> Duration {
        guard let period = ConfigValues.duration(interval), period >= .milliseconds(100) else {
            throw ValidationError("--interval \(interval): expected a duration of at least 100ms, like 1s or 500ms")
        }
        return period
    }

    /// Sleeps until `deadline` and returns it; past it (a slow answer), returns now at once,
    /// so the next interval is whole rather than a burst of catching up.
    private static func sleep(until deadline: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        guard now < deadline else { return now }
        let (seconds, attoseconds) = now.duration(to: deadline).components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
        return deadline
    }
}
