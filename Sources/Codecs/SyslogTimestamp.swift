/// Syslog timestamps parsed from bytes: RFC 3339 (RFC 5424, rsyslog's forward format) and BSD (RFC 3164).
enum SyslogTimestamp {
    /// A parsed instant: Unix nanoseconds and the UTC offset it was written in.
    struct Parsed {
        var nanoseconds: Int64
        var offsetMinutes: Int16
    }

    /// `2026-11-29T18:00:00.123456+01:00` (also `Z`, lowercase `t`/`z`) in `range`, keeping the
    /// offset (`RFC3339.parseKeepingOffset`).
    static func rfc3339(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Parsed? {
        RFC3339.parseKeepingOffset(UnsafeRawBufferPointer(rebasing: bytes[range])).map {
            Parsed(nanoseconds: $0.nanoseconds, offsetMinutes: Int16($0.offsetMinutes))
        }
    }

    /// A BSD timestamp at `start`; returns it and the index just past it.
    ///
    ///     Mmm dd hh:mm:ss      Nov 29 18:00:00
    ///     Mmm  d hh:mm:ss      Jan  5 08:01:02   (day padded with a space; `Jan 5` is accepted too)
    ///
    /// It has no year and no zone: it is read as local time at `offsetMinutes` east of UTC, in the
    /// year of `now` there, or the year before when that would put it more than a day after `now`
    /// (a December line read in January).
    static func bsd(_ bytes: UnsafeRawBufferPointer, from start: Int, end: Int, now: Int64,
                    offsetMinutes: Int) -> (Parsed, Int)? {
        guard end - start >= 14, let month = month(bytes, start) else { return nil }
        var i = start + 3
        guard bytes[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        if bytes[i] == UInt8(ascii: " ") { i += 1 }
        var day: Int64 = 0
        let dayStart = i
        while i < end, i - dayStart < 2, bytes[i] &- 48 < 10 { day = day * 10 + Int64(bytes[i] &- 48); i += 1 }
        guard i > dayStart, (1...31).contains(day), i + 9 <= end, bytes[i] == UInt8(ascii: " ") else { return nil }
        func two(_ at: Int) -> Int64? {
            let h = bytes[at] &- 48, l = bytes[at + 1] &- 48
            return h < 10 && l < 10 ? Int64(h) * 10 + Int64(l) : nil
        }
        guard let hour = two(i + 1), bytes[i + 3] == UInt8(ascii: ":"), let minute = two(i + 4),
              bytes[i + 6] == UInt8(ascii: ":"), let second = two(i + 7), hour < 24, minute < 60, second < 61
        else { return nil }
        i += 9
        let offset = Int64(offsetMinutes) * 60
        let localNow = now / 1_000_000_000 + offset
        var year = RFC3339.civilDate(daysSinceEpoch: localNow >= 0 ? localNow / 86_400 : (localNow - 86_399) / 86_400).year
        func instant() -> Int64 {
            let days = RFC3339.daysSinceEpoch(year: year, month: month, day: day)
            return ((days * 86_400 + hour * 3600 + minute * 60 + second) - offset) * 1_000_000_000
        }
        var ns = instant()
        if ns - now > 86_400 * 1_000_000_000 {
            year -= 1
            ns = instant()
        }
        return (Parsed(nanoseconds: ns, offsetMinutes: Int16(clamping: offsetMinutes)), i)
    }

    private static func month(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int64? {
        let key = (UInt32(bytes[at] | 0x20) << 16) | (UInt32(bytes[at + 1] | 0x20) << 8) | UInt32(bytes[at + 2] | 0x20)
        // A switch, not a table: no array per call on the hot path.
        switch key {
        case 0x6A616E: return 1
        case 0x666562: return 2
        case 0x6D6172: return 3
        case 0x617072: return 4
        case 0x6D6179: return 5
        case 0x6A756E: return 6
        case 0x6A756C: return 7
        case 0x617567: return 8
        case 0x736570: return 9
        case 0x6F6374: return 10
        case 0x6E6F76: return 11
        case 0x646563: return 12
        default: return nil
        }
    }
}
