import Codecs
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Where and how pipectl writes its own logs.
public struct LogSettings: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var level: Logger.Level = .info
    public var format: Format = .text
    /// A file to append to; standard error when nil.
    public var file: String?

    public init() {}
}

/// A swift-log handler writing text or JSON lines (`time`, `level`, `msg`, `component`, …)
/// with environment-supplied secrets redacted.
public struct PipectlLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogSettings.Format
    private let sink: LogSink

    public init(label: String, settings: LogSettings, sink: LogSink) {
        self.label = label
        self.logLevel = settings.level
        self.format = settings.format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let nanos = Int64(Date().timeIntervalSince1970 * 1e9)
        let message = Redactor.redact("\(event.message)")
        var line = ByteBuffer()
        switch format {
        case .json:
            line.writeStaticString("{\"time\":\"")
            RFC3339.write(nanoseconds: nanos, into: &line)
            line.writeStaticString("\",\"level\":")
            JSONWriter.writeString(event.level.rawValue, into: &line)
            line.writeStaticString(",\"msg\":")
            JSONWriter.writeString(message, into: &line)
            for (key, value) in all.sorted(by: { $0.key < $1.key }) {
                line.writeStaticString(",")
                JSONWriter.writeString(key, into: &line)
                line.writeStaticString(":")
                JSONWriter.writeString(Redactor.redact("\(value)"), into: &line)
            }
            line.writeStaticString("}\n")
        case .text:
            RFC3339.write(nanoseconds: nanos, into: &line)
            line.writeString(" \(event.level.rawValue.uppercased())")
            if let component = all.removeValue(forKey: "component") { line.writeString(" [\(component)]") }
            line.writeString(" \(message)")
            for (key, value) in all.sorted(by: { $0.key < $1.key }) {
                line.writeString(" \(key)=\(Redactor.redact("\(value)"))")
            }
            line.writeStaticString("\n")
        }
        sink.write(line)
    }
}

/// A file descriptor that log lines are appended to, one write per line.
public final class LogSink: Sendable {
    private let fd: Int32
    private let lock = NIOLock()

    /// Opens `path` for appending, or uses standard error.
    public init(path: String?) throws {
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw PipectlError("cannot open log file \(path): \(String(cString: strerror(errno)))") }
            self.fd = fd
        } else {
            self.fd = STDERR_FILENO
        }
    }

    func write(_ line: ByteBuffer) {
        lock.withLock {
            line.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n <= 0 { return }
                    offset += n
                }
            }
        }
    }
}

/// A fatal problem with a clear one-line description (start-up failures, CLI errors).
public struct PipectlError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
