import ArgumentParser
import Dispatch
import Foundation
import Logging
import Pipeline

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs a pipeline until SIGTERM or SIGINT (or until every input has ended); SIGHUP reloads the file.")

    @Argument(help: "The pipeline file.") var file: String
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env PIPECTL_LOG_LEVEL).")
    var logLevel: String?
    @Option(name: .long, help: "text or json (env PIPECTL_LOG_FORMAT).") var logFormat: String?
    @Option(name: .long, help: "Append logs to this file instead of stderr (env PIPECTL_LOG_FILE).") var logFile: String?

    func validate() throws {
        _ = try logSettings()
    }

    func run() async throws {
        let settings = try logSettings()
        let sink: LogSink
        do { sink = try LogSink(path: settings.file) } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        LoggingSystem.bootstrap { PipectlLogHandler(label: $0, settings: settings, sink: sink) }
        let logger = Logger(label: "pipectl")
        let config = try loadPipeline(file)
        let topology: Topology
        let reloader: PipelineReloader
        let api: AdminAPI?
        do {
            try DataDirectory.prepare(config.dataDirectory)
            topology = try Topology(config: config, logger: logger)
            reloader = PipelineReloader(file: file, topology: topology, logger: logger)
            api = config.api.enabled ? AdminAPI(config: config.api, topology: topology, reload: reloader.reload) : nil
            if let api {
                let port = try await api.start()
                logger.info("admin API listening on \(config.api.host):\(port)")
            }
            try await topology.prepare()
        } catch {
            printError("\(file): \(error)")
            throw ExitCode(1)
        }
        let signals = SignalHandlers { signal in
            if signal == SIGHUP {
                Task { _ = await reloader.reload() }
            } else if !topology.shutdown() {
                // The operator asked twice: do not wait for shutdown_timeout.
                logger.warning("second stop signal: exiting now, without draining")
                Foundation.exit(1)
            }
        }
        logger.info("pipeline started: \(config.count(.input)) inputs, \(config.count(.transform)) transforms, \(config.count(.output)) outputs")
        await topology.run()
        signals.cancel()
        await api?.stop()
        logger.info("pipeline stopped")
    }

    /// Flags win over `PIPECTL_LOG_*` variables; bad values are usage errors.
    private func logSettings() throws -> LogSettings {
        let env = ProcessInfo.processInfo.environment
        var settings = LogSettings()
        if let level = logLevel ?? env["PIPECTL_LOG_LEVEL"] {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ValidationError("log level '\(level)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            settings.level = parsed
        }
        if let format = logFormat ?? env["PIPECTL_LOG_FORMAT"] {
            guard let parsed = LogSettings.Format(rawValue: format.lowercased()) else {
                throw ValidationError("log format '\(format)' is not text or json")
            }
            settings.format = parsed
        }
        settings.file = logFile ?? env["PIPECTL_LOG_FILE"]
        return settings
    }
}

/// Turns SIGINT, SIGTERM and SIGHUP into calls of a handler, off the signal context.
final class SignalHandlers: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(handler: @escaping @Sendable (Int32) -> Void) {
        sources = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
