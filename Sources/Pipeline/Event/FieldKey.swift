#if canImport(Glibc)
import Glibc
#endif
/// Field names every syslog-shaped source sets; stored as one byte instead of a string.
public enum KnownField: UInt8, CaseIterable, Sendable {
    case facility, severity, hostname, appname, procid, msgid, structuredData
    case drainToken, frameID, app, malformed, source

    /// The field's name as it appears in JSON and in configuration.
    public var name: String {
        switch self {
        case .facility: "facility"
        case .severity: "severity"
        case .hostname: "hostname"
        case .appname: "appname"
        case .procid: "procid"
        case .msgid: "msgid"
        case .structuredData: "structured_data"
        case .drainToken: "drain_token"
        case .frameID: "frame_id"
        case .app: "app"
        case .malformed: "malformed"
        case .source: "source"
        }
    }

    /// Looks a known field up by name.
    public init?(name: String) {
        guard let field = KnownField.allCases.first(where: { $0.name == name }) else { return nil }
        self = field
    }

    /// Looks a known field up by raw bytes (used when a parser finds a key).
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 3, bytes.count <= 15 else { return nil }
        for field in KnownField.allCases where field.matches(bytes) {
            self = field
            return
        }
        return nil
    }

    func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var name = self.name
        return name.withUTF8 { $0.count == bytes.count && memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
    }
}

/// The key of a log field: a known name, or bytes in the batch arena.
public enum FieldKey: Hashable, Sendable {
    case known(KnownField)
    case custom(ByteSpan)
}

/// A field name resolved at configuration time, for fast lookups on batches.
public struct FieldName: Hashable, Sendable, CustomStringConvertible {
    /// The name as written in the configuration.
    public let string: String
    /// The known field it names, if any.
    public let known: KnownField?
    /// True when the name is `message`, the event's message rather than a field.
    public var isMessage: Bool { string == "message" }
    /// True when the name is `timestamp`.
    public var isTimestamp: Bool { string == "timestamp" }

    public init(_ string: String) {
        self.string = string
        self.known = KnownField(name: string)
    }

    public var description: String { string }
}
