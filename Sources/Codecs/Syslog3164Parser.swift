/// RFC 3164 ("BSD") syslog as senders really write it, after the `<PRI>` that `SyslogParser` has read.
///
///     <13>Nov 29 18:00:00 host.example.com user[123]: hello
///     PRI TIMESTAMP       HOSTNAME         TAG [PID]: MSG
///
/// Variants accepted:
/// - `Jan  5` (space-padded day) and `Jan 5`; no year and no zone (see `SyslogTimestamp.bsd`);
/// - an RFC 3339 timestamp instead, as rsyslog's `RSYSLOG_ForwardFormat` writes
///   (`<13>2026-11-29T18:00:00.123456+01:00 host user[123]: hello`), offset kept;
/// - no HOSTNAME: when the token after the timestamp ends with `:` or holds a `[`, it is the TAG;
/// - TAG alone, `TAG:`, `TAG[pid]` and `TAG[pid]:`; a TAG ended by SP only (no `:`) is still a TAG.
/// A lone token after the timestamp is the HOSTNAME (MSG empty). There is no MSGID or STRUCTURED-DATA.
enum Syslog3164Parser {
    static func parse(_ bytes: UnsafeRawBufferPointer, from start: Int, end: Int, priority: UInt8,
                      parser: SyslogParser) -> Result<SyslogMessage, SyslogParseError> {
        var i = start
        guard i < end else { return .failure(SyslogParseError(.truncatedHeader, at: i)) }
        let timestamp: SyslogTimestamp.Parsed
        if bytes[i] &- 48 < 10 {
            let s = i
            while i < end, bytes[i] != UInt8(ascii: " ") { i += 1 }
            guard let parsed = SyslogTimestamp.rfc3339(bytes, s..<i) else {
                return .failure(SyslogParseError(.badTimestamp, at: s))
            }
            timestamp = parsed
        } else {
            guard let (parsed, next) = SyslogTimestamp.bsd(bytes, from: i, end: end, now: parser.now,
                                                           offsetMinutes: parser.timeZoneOffsetMinutes) else {
                return .failure(SyslogParseError(.badTimestamp, at: i))
            }
            timestamp = parsed
            i = next
        }
        if i < end {
            guard bytes[i] == UInt8(ascii: " ") else { return .failure(SyslogParseError(.badTimestamp, at: i)) }
            while i < end, bytes[i] == UInt8(ascii: " ") { i += 1 }
        }
        var hostname = i..<i
        var j = i
        var tagLike = false
        while j < end, bytes[j] != UInt8(ascii: " ") {
            if bytes[j] == UInt8(ascii: "[") { tagLike = true }
            j += 1
        }
        if j > i, bytes[j - 1] == UInt8(ascii: ":") { tagLike = true }
        if !tagLike {
            hostname = i..<j
            i = j
            while i < end, bytes[i] == UInt8(ascii: " ") { i += 1 }
        }
        let tagStart = i
        while i < end, bytes[i] != UInt8(ascii: "["), bytes[i] != UInt8(ascii: ":"), bytes[i] != UInt8(ascii: " ") { i += 1 }
        let appname = tagStart..<i
        var procid = i..<i
        if i < end, bytes[i] == UInt8(ascii: "[") {
            var k = i + 1
            while k < end, bytes[k] != UInt8(ascii: "]"), bytes[k] != UInt8(ascii: " ") { k += 1 }
            if k < end, bytes[k] == UInt8(ascii: "]") {
                procid = (i + 1)..<k
                i = k + 1
            }
        }
        if i < end, bytes[i] == UInt8(ascii: ":") { i += 1 }
        if i < end, bytes[i] == UInt8(ascii: " ") { i += 1 }
        let bom = end - i >= 3 && bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF
        if bom { i += 3 }
        return .success(SyslogMessage(
            format: .rfc3164, facility: priority >> 3, severity: priority & 7,
            timestamp: timestamp.nanoseconds, timestampOffsetMinutes: timestamp.offsetMinutes,
            hostname: hostname, appname: appname, procid: procid, msgid: end..<end,
            structuredData: end..<end, message: i..<end, hasBOM: bom))
    }
}
