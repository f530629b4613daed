import Logging
import NIOConcurrencyHelpers

/// Collects what loggers made by `logger(label:)` log, for assertions.
public final class LogCapture: Sendable {
    /// One logged message.
    public struct Entry: Sendable, Equatable {
        public let level: Logger.Level
        public let message: String

        public init(level: Logger.Level, message: String) {
            self.level = level
            self.message = message
        }
    }

    private let box = NIOLockedValueBox<[Entry]>([])

    public init() {}

    /// Everything logged so far, in order.
    public var entries: [Entry] { box.withLockedValue { $0 } }
    /// The messages logged so far, in order.
    public var messages: [String] { entries.map(\.message) }

    /// A logger at `level` whose messages land in this capture.
    public func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ entry: Entry) { box.withLockedValue { $0.append(entry) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(Entry(level: event.level, message: "\(event.message)"))
        }
    }
}
