/// Parses one syslog line, RFC 5424 or RFC 3164, from bytes without allocating.
///
///     <PRI>1 …   → RFC 5424 (`Syslog5424Parser`)
///     <PRI>…     → RFC 3164 and its variants (`Syslog3164Parser`)
///     …          → RFC 3164 with `defaultPriority`, or `missingPriority`
///
/// A trailing LF or CRLF is never part of the message. Choices, where the RFCs leave them open:
/// - `now` (Unix ns) gives BSD timestamps their year; `timeZoneOffsetMinutes` (default 0, UTC) is
///   the zone BSD timestamps are read in, since they carry none.
/// - A line without `<PRI>` is an error unless `defaultPriority` is set (rsyslog uses 13,
///   user.notice); default nil, so garbage is reported rather than passed on as a message.
/// - Only `<PRI>1 ` means RFC 5424, so in `parse` another version (`<13>2 …`) reads as an RFC 3164
///   line and fails on its timestamp; `parse5424` reports `badVersion`.
/// - Timestamps past 2262 (the end of Int64 nanoseconds) are `badTimestamp`, not a crash.
public struct SyslogParser: Sendable {
    public var now: Int64
    public var timeZoneOffsetMinutes: Int
    public var defaultPriority: UInt8?

    public init(now: Int64, timeZoneOffsetMinutes: Int = 0, defaultPriority: UInt8? = nil) {
        self.now = now
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
        self.defaultPriority = defaultPriority
    }

    /// Picks RFC 5424 when `<PRI>` is followed by `1 `, else RFC 3164.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Result<SyslogMessage, SyslogParseError> {
        let end = Self.trimmedEnd(bytes)
        switch priority(bytes, end: end) {
        case .failure(let error):
            return .failure(error)
        case .success(let (pri, i)):
            if i + 1 < end, bytes[i] == UInt8(ascii: "1"), bytes[i + 1] == UInt8(ascii: " "), i > 0 {
                return Syslog5424Parser.parse(bytes, from: i, end: end, priority: pri)
            }
            return Syslog3164Parser.parse(bytes, from: i, end: end, priority: pri, parser: self)
        }
    }

    /// RFC 5424 only (a `<PRI>` is required).
    public func parse5424(_ bytes: UnsafeRawBufferPointer) -> Result<SyslogMessage, SyslogParseError> {
        let end = Self.trimmedEnd(bytes)
        guard end > 0, bytes[0] == UInt8(ascii: "<") else {
            return .failure(SyslogParseError(end == 0 ? .empty : .missingPriority, at: 0))
        }
        switch priority(bytes, end: end) {
        case .failure(let error): return .failure(error)
        case .success(let (pri, i)): return Syslog5424Parser.parse(bytes, from: i, end: end, priority: pri)
        }
    }

    /// RFC 3164 only.
    public func parse3164(_ bytes: UnsafeRawBufferPointer) -> Result<SyslogMessage, SyslogParseError> {
        let end = Self.trimmedEnd(bytes)
        switch priority(bytes, end: end) {
        case .failure(let error): return .failure(error)
        case .success(let (pri, i)): return Syslog3164Parser.parse(bytes, from: i, end: end, priority: pri, parser: self)
        }
    }

    static func trimmedEnd(_ bytes: UnsafeRawBufferPointer) -> Int {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return end
    }

    /// `<0>` to `<191>` (RFC 5424 §6.2.1; a fourth, leading-zero digit is tolerated, as the drain always did);
    /// returns PRI and the index after `>`.
    private func priority(_ bytes: UnsafeRawBufferPointer, end: Int) -> Result<(UInt8, Int), SyslogParseError> {
        guard end > 0 else { return .failure(SyslogParseError(.empty, at: 0)) }
        guard bytes[0] == UInt8(ascii: "<") else {
            guard let defaultPriority else { return .failure(SyslogParseError(.missingPriority, at: 0)) }
            return .success((defaultPriority, 0))
        }
        var i = 1
        var pri = 0
        while i < end, i <= 4, bytes[i] &- 48 < 10 { pri = pri * 10 + Int(bytes[i] &- 48); i += 1 }
        guard i > 1, i < end, bytes[i] == UInt8(ascii: ">") else { return .failure(SyslogParseError(.badPriority, at: i)) }
        guard pri <= 191 else { return .failure(SyslogParseError(.priorityOutOfRange, at: 1)) }
        return .success((UInt8(pri), i + 1))
    }
}
