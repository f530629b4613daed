/// Why a syslog line did not parse, and at which byte (relative to the input) the parser gave up.
///
/// `description` reads `PRI above 191 at byte 1`: what is wrong, then where.
public struct SyslogParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the line.
    public enum Kind: Equatable, Sendable {
        case empty
        case missingPriority
        case badPriority
        case priorityOutOfRange
        case badVersion
        case badTimestamp
        case truncatedHeader
        case badStructuredData
        case unterminatedStructuredData

        public var text: String {
            switch self {
            case .empty: "empty line"
            case .missingPriority: "missing <PRI>"
            case .badPriority: "invalid <PRI> (expected <0> to <191>)"
            case .priorityOutOfRange: "PRI above 191"
            case .badVersion: "version is not 1 (not RFC 5424)"
            case .badTimestamp: "invalid timestamp"
            case .truncatedHeader: "header ends early"
            case .badStructuredData: "invalid structured data"
            case .unterminatedStructuredData: "unterminated structured data"
            }
        }
    }

    public var kind: Kind
    /// Byte offset into the input where the problem was found.
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "\(kind.text) at byte \(offset)" }

    /// The coarser error `SyslogMessage.parse5424` has always returned (its texts are relied upon).
    public var legacy: SyslogMessage.ParseError {
        switch kind {
        case .empty, .missingPriority, .badPriority, .priorityOutOfRange: .badPriority
        case .badVersion: .badVersion
        case .badTimestamp: .badTimestamp
        case .truncatedHeader: .truncatedHeader
        case .badStructuredData, .unterminatedStructuredData: .badStructuredData
        }
    }
}
