/// An RFC 5424 syslog message parsed in place: ranges into the bytes it was parsed from.
///
///     <158>1 2024-05-01T00:00:00.001000+00:00 host heroku router - at=info method=GET …
///     PRI  V TIMESTAMP                        HOST APP   PROCID MSGID MSG
///
/// Heroku's lines omit STRUCTURED-DATA (MSG follows MSGID directly); both forms parse.
/// Nil values (`-`) become empty ranges.
public struct SyslogMessage: Equatable, Sendable {
    public var facility: UInt8
    public var severity: UInt8
    /// Unix nanoseconds, or nil for the nil timestamp `-`.
    public var timestamp: Int64?
    public var hostname: Range<Int>
    public var appname: Range<Int>
    public var procid: Range<Int>
    public var msgid: Range<Int>
    /// `[id k="v"]…`, empty when absent.
    public var structuredData: Range<Int>
    public var message: Range<Int>

    /// Why a message did not parse.
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
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end > 3, bytes[0] == UInt8(ascii: "<") else { return .failure(.badPriority) }
        var i = 1
        var pri = 0
        while i < end, i <= 4, bytes[i] &- 48 < 10 { pri = pri * 10 + Int(bytes[i] &- 48); i += 1 }
        guard i > 1, i < end, bytes[i] == UInt8(ascii: ">"), pri <= 191 else { return .failure(.badPriority) }
        i += 1
        guard i + 1 < end, bytes[i] == UInt8(ascii: "1"), bytes[i + 1] == UInt8(ascii: " ") else { return .failure(.badVersion) }
        i += 2
        func token() -> Range<Int>? {
            let start = i
            while i < end, bytes[i] != UInt8(ascii: " ") { i += 1 }
            guard i > start else { return nil }
            let range = start..<i
            if i < end { i += 1 }
            return range
        }
        func nilable(_ r: Range<Int>) -> Range<Int> { r.count == 1 && bytes[r.lowerBound] == UInt8(ascii: "-") ? r.lowerBound..<r.lowerBound : r }
        guard let ts = token() else { return .failure(.truncatedHeader) }
        var timestamp: Int64?
        if !(ts.count == 1 && bytes[ts.lowerBound] == UInt8(ascii: "-")) {
            guard let parsed = RFC3339.parse(UnsafeRawBufferPointer(rebasing: bytes[ts])) else { return .failure(.badTimestamp) }
            timestamp = parsed
        }
        guard let host = token(), let app = token(), let proc = token(), let msgid = token() else {
            return .failure(.truncatedHeader)
        }
        var sd = i..<i
        if i < end, bytes[i] == UInt8(ascii: "[") {
            let start = i
            var inQuotes = false
            while i < end {
                let b = bytes[i]
                if b == UInt8(ascii: "\\") { i += 2; continue }
                if b == UInt8(ascii: "\"") { inQuotes.toggle() }
                i += 1
                if b == UInt8(ascii: "]"), !inQuotes, i >= end || bytes[i] != UInt8(ascii: "[") { break }
            }
            guard i <= end, bytes[i - 1] == UInt8(ascii: "]") else { return .failure(.badStructuredData) }
            sd = start..<i
            if i < end, bytes[i] == UInt8(ascii: " ") { i += 1 }
        } else if i < end, bytes[i] == UInt8(ascii: "-"), i + 1 == end || bytes[i + 1] == UInt8(ascii: " ") {
            i = min(end, i + 2)
        }
        return .success(SyslogMessage(facility: UInt8(pri >> 3), severity: UInt8(pri & 7), timestamp: timestamp,
                                      hostname: nilable(host), appname: nilable(app), procid: nilable(proc),
                                      msgid: nilable(msgid), structuredData: sd, message: min(i, end)..<end))
    }
}
