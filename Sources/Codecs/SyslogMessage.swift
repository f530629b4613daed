/// A syslog message parsed in place: numbers, and ranges into the bytes it was parsed from.
///
///     <13>1 2026-11-29T18:00:00.123456+01:00 host user 123 - [timeQuality tzKnown="1"] hello   (rfc5424)
///     <13>Nov 29 18:00:00 host user[123]: hello                                               (rfc3164)
///      PRI  TIMESTAMP     HOSTNAME APPNAME[PROCID]: MESSAGE
///
/// Nil or absent values (`-` in RFC 5424) are empty ranges. Parse with `SyslogParser`; the
/// Heroku drain keeps using `parse5424(_:)` and its coarse `ParseError`.
public struct SyslogMessage: Equatable, Sendable {
    public var format: SyslogFormat
    public var facility: UInt8
    public var severity: UInt8
    /// Unix nanoseconds, or nil for the RFC 5424 nil timestamp `-`.
    public var timestamp: Int64?
    /// The UTC offset the timestamp was written in (for BSD timestamps: the parser's configured zone).
    public var timestampOffsetMinutes: Int16?
    public var hostname: Range<Int>
    public var appname: Range<Int>
    public var procid: Range<Int>
    public var msgid: Range<Int>
    /// `[id k="v"]…`, empty when absent; walk it with `SyslogStructuredDataScanner`.
    public var structuredData: Range<Int>
    /// MSG without a leading UTF-8 BOM or the trailing LF/CRLF.
    public var message: Range<Int>
    /// Whether MSG began with the UTF-8 BOM EF BB BF (RFC 5424 §6.4), which `message` leaves out.
    public var hasBOM: Bool

    /// Why a message did not parse, as `parse5424(_:)` reports it (texts relied upon by pipeline tests).
    public enum ParseError: Error, Equatable, Sendable {
        case badPriority
        case badVersion
        case badTimestamp
        case truncatedHeader
        case badStructuredData

        public var description: String {
            switch self {
            case .badPriority: "missing or invalid <PRI>"
            case .badVersion: "version is not 1 (not RFC 5424)"
            case .badTimestamp: "invalid RFC 3339 timestamp"
            case .truncatedHeader: "header ends early"
            case .badStructuredData: "unterminated structured data"
            }
        }
    }

    /// Parses an RFC 5424 message; a trailing LF (logplex counts it) is not part of MSG.
    public static func parse5424(_ bytes: UnsafeRawBufferPointer) -> Result<SyslogMessage, ParseError> {
        SyslogParser(now: 0).parse5424(bytes).mapError(\.legacy)
    }
}

/// Which syslog format a line was in.
public enum SyslogFormat: Equatable, Sendable {
    case rfc5424
    case rfc3164
}
