#if canImport(Glibc)
import Glibc
#endif
/// Field names every syslog-shaped source sets; stored as one byte instead of a string.
public enum KnownField: UInt8, CaseIterable, Sendable {
    case facility, severity, hostname, appname, procid, msgid, structuredData
    case drainToken, frameID, app, malformed, source

    /// The field's name as it appears in JSON and in configuration.
    public var name: String { staticName.description }

    /// The name as static bytes, for writing without building a `String`.
    public var staticName: StaticString {
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

    /// Looks a known field up by raw bytes (used when a parser finds a key); no allocation.
    public init?(bytes: UnsafeRawBufferPointer) {
        let candidates: [KnownField]
        switch bytes.count {
        case 3: candidates = Self.length3
        case 5: candidates = Self.length5
        case 6: candidates = Self.length6
        case 7: candidates = Self.length7
        case 8: candidates = Self.length8
        case 9: candidates = Self.length9
        case 11: candidates = Self.length11
        case 15: candidates = Self.length15
        default: return nil
        }
        for field in candidates where field.matches(bytes) {
            self = field
            return
        }
        return nil
    }

    private static let length3: [KnownField] = [.app]
    private static let length5: [KnownField] = [.msgid]
    private static let length6: [KnownField] = [.procid, .source]
    private static let length7: [KnownField] = [.appname]
    private static let length8: [KnownField] = [.facility, .severity, .hostname, .frameID]
    private static let length9: [KnownField] = [.malformed]
    private static let length11: [KnownField] = [.drainToken]
    private static let length15: [KnownField] = [.structuredData]

    func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let name = staticName
        return name.utf8CodeUnitCount == bytes.count && memcmp(name.utf8Start, bytes.baseAddress!, bytes.count) == 0
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
