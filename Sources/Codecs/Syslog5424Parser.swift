/// RFC 5424 header, STRUCTURED-DATA and MSG, after the `<PRI>` that `SyslogParser` has read.
///
///     <13>1 2026-11-29T18:00:00.123456+01:00 host user 123 ID47 [timeQuality tzKnown="1"] BOM hello
///     PRI V TIMESTAMP                         HOST APP  PROC MSGID STRUCTURED-DATA         MSG
///
/// Every header field is one token ended by a single SP; `-` is nil (an empty range). Heroku's
/// logplex omits STRUCTURED-DATA, so when the byte after MSGID is neither `[` nor a lone `-`,
/// MSG starts there. A UTF-8 BOM (EF BB BF) opening MSG is left out of `message` and noted.
enum Syslog5424Parser {
    static func parse(_ bytes: UnsafeRawBufferPointer, from start: Int, end: Int,
                      priority: UInt8) -> Result<SyslogMessage, SyslogParseError> {
        var i = start
        guard i + 1 < end, bytes[i] == UInt8(ascii: "1"), bytes[i + 1] == UInt8(ascii: " ") else {
            return .failure(SyslogParseError(i + 1 >= end ? .truncatedHeader : .badVersion, at: i))
        }
        i += 2
        func token() -> Range<Int>? {
            let s = i
            while i < end, bytes[i] != UInt8(ascii: " ") { i += 1 }
            guard i > s else { return nil }
            let range = s..<i
            if i < end { i += 1 }
            return range
        }
        func nilable(_ r: Range<Int>) -> Range<Int> {
            r.count == 1 && bytes[r.lowerBound] == UInt8(ascii: "-") ? r.lowerBound..<r.lowerBound : r
        }
        guard let ts = token() else { return .failure(SyslogParseError(.truncatedHeader, at: i)) }
        var timestamp: SyslogTimestamp.Parsed?
        if nilable(ts) == ts {
            guard let parsed = SyslogTimestamp.rfc3339(bytes, ts) else {
                return .failure(SyslogParseError(.badTimestamp, at: ts.lowerBound))
            }
            timestamp = parsed
        }
        guard let host = token(), let app = token(), let proc = token(), let msgid = token() else {
            return .failure(SyslogParseError(.truncatedHeader, at: i))
        }
        var sd = i..<i
        if i < end, bytes[i] == UInt8(ascii: "[") {
            switch SyslogStructuredData.validate(bytes, from: i, end: end) {
            case .failure(let error): return .failure(error)
            case .success(let sdEnd): sd = i..<sdEnd
            }
            i = sd.upperBound
            if i < end {
                guard bytes[i] == UInt8(ascii: " ") else { return .failure(SyslogParseError(.badStructuredData, at: i)) }
                i += 1
            }
        } else if i < end, bytes[i] == UInt8(ascii: "-"), i + 1 == end || bytes[i + 1] == UInt8(ascii: " ") {
            i = min(end, i + 2)
        }
        let bom = end - i >= 3 && bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF
        if bom { i += 3 }
        return .success(SyslogMessage(
            format: .rfc5424, facility: priority >> 3, severity: priority & 7,
            timestamp: timestamp?.nanoseconds, timestampOffsetMinutes: timestamp?.offsetMinutes,
            hostname: nilable(host), appname: nilable(app), procid: nilable(proc), msgid: nilable(msgid),
            structuredData: sd, message: i..<end, hasBOM: bom))
    }
}
