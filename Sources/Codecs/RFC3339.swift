import NIOCore

/// RFC 3339 timestamps written straight into a `ByteBuffer`, without `DateFormatter`.
public enum RFC3339 {
    /// Writes `2026-01-01T00:00:00.123456789Z` for a Unix time in nanoseconds.
    public static func write(nanoseconds: Int64, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 30) { raw in
            var w = RawWriter(raw)
            write(nanoseconds: nanoseconds, fractionDigits: 9, into: &w)
            return w.count
        }
    }

    /// Writes `2026-01-01T00:00:00.123456Z` with `fractionDigits` (1...9) digits of the second,
    /// truncated, in UTC: at most 30 bytes.
    public static func write(nanoseconds: Int64, fractionDigits: Int, into w: inout RawWriter) {
        var seconds = nanoseconds / 1_000_000_000
        var nanos = nanoseconds % 1_000_000_000
        if nanos < 0 { nanos += 1_000_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func put(_ value: Int64, _ digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                w.write(UInt8(truncatingIfNeeded: 48 + value / divisor % 10))
                divisor /= 10
            }
        }
        var fraction = nanos
        for _ in fractionDigits..<9 { fraction /= 10 }
        put(year, 4); w.write(UInt8(ascii: "-")); put(month, 2); w.write(UInt8(ascii: "-")); put(day, 2)
        w.write(UInt8(ascii: "T")); put(secondOfDay / 3600, 2); w.write(UInt8(ascii: ":")); put(secondOfDay / 60 % 60, 2)
        w.write(UInt8(ascii: ":")); put(secondOfDay % 60, 2); w.write(UInt8(ascii: ".")); put(fraction, fractionDigits)
        w.write(UInt8(ascii: "Z"))
    }

    /// Formats a Unix time in nanoseconds as a `String` (for logs and tests, not hot paths).
    public static func string(nanoseconds: Int64) -> String {
        var buffer = ByteBuffer()
        write(nanoseconds: nanoseconds, into: &buffer)
        return String(buffer: buffer)
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    @inlinable
    public static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
    @inlinable
    public static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Parses an RFC 3339 timestamp (`2024-05-01T00:00:00.001000+00:00`, `...Z`) to Unix nanoseconds.
    /// Returns nil for anything else; fractional digits beyond nine are ignored.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        parseKeepingOffset(bytes)?.nanoseconds
    }

    /// Parses an RFC 3339 timestamp, keeping the UTC offset it was written in (minutes east).
    ///
    ///     YYYY-MM-DD T hh:mm:ss [.frac] (Z | ±hh:mm)
    ///
    /// Lower-case `t`/`z` are accepted; up to nine fraction digits are kept, more ignored. Years
    /// whose nanoseconds do not fit an Int64 (past 2262, before 1677) are nil, not a trap.
    public static func parseKeepingOffset(_ bytes: UnsafeRawBufferPointer) -> (nanoseconds: Int64, offsetMinutes: Int)? {
        let n = bytes.count
        guard n >= 20 else { return nil }
        func digits(_ at: Int, _ count: Int) -> Int64? {
            var v: Int64 = 0
            for k in at..<(at + count) {
                let d = bytes[k] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), bytes[10] | 0x20 == UInt8(ascii: "t"),
              let hour = digits(11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < n, bytes[i] &- 48 < 10 {
                nanos += Int64(bytes[i] &- 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < n else { return nil }
        var offset: Int64 = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 <= n, let oh = digits(i + 1, 2), bytes[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 60 + om) * (bytes[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, overflowAdding) = scaled.addingReportingOverflow(nanos)
        return overflowAdding ? nil : (total, Int(offset))
    }
}
