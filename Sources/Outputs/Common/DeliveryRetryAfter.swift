import Codecs

/// Parses the `Retry-After` response header (RFC 9110 §10.2.3).
///
/// ```
/// Retry-After: 120                              delay-seconds
/// Retry-After: Sun, 06 Nov 1994 08:49:37 GMT    IMF-fixdate
/// Retry-After: Sunday, 06-Nov-94 08:49:37 GMT   obsolete RFC 850 date
/// Retry-After: Sun Nov  6 08:49:37 1994         obsolete asctime date
/// ```
/// Recipients must accept all three date forms (RFC 9110 §5.6.7). A date in the past
/// means "now" (zero); anything unparseable is ignored (nil) and the backoff applies.
package enum DeliveryRetryAfter {
    /// The wait the header asks for, given the current Unix time in seconds.
    package static func parse(_ value: String, nowSeconds: Int64) -> Duration? {
        let text = value.trimmingSpaces
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // A huge number is still "a long time": clamp instead of overflowing.
            return .seconds(text.utf8.count > 9 ? 999_999_999 : Int64(text)!)
        }
        guard let date = httpDate(text) else { return nil }
        return .seconds(max(0, date - nowSeconds))
    }

    /// Unix seconds of an HTTP-date in any of its three forms.
    static func httpDate(_ text: String) -> Int64? {
        let tokens = text.split { $0 == " " || $0 == "," || $0 == "-" || $0 == ":" }.map(String.init)
        let day: Int64, month: Int64, year: Int64, clock: ArraySlice<String>
        if tokens.count == 7, let m = monthNumber(tokens[1]) {  // asctime: Sun Nov  6 08:49:37 1994
            guard let d = Int64(tokens[2]), let y = Int64(tokens[6]) else { return nil }
            (day, month, year, clock) = (d, m, y, tokens[3...5])
        } else if tokens.count == 8, tokens[7] == "GMT", let m = monthNumber(tokens[2]),
                  let d = Int64(tokens[1]), let y = Int64(tokens[3]) {
            // IMF-fixdate has a 4-digit year; RFC 850 a 2-digit one.
            (day, month, clock) = (d, m, tokens[4...6])
            year = tokens[3].count == 2 ? (y < 70 ? 2000 + y : 1900 + y) : y
        } else {
            return nil
        }
        let parts = clock.compactMap { Int64($0) }
        guard parts.count == 3, (1...31).contains(day), parts[0] < 24, parts[1] < 60, parts[2] < 61 else { return nil }
        return RFC3339.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + parts[0] * 3600 + parts[1] * 60 + parts[2]
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ name: String) -> Int64? {
        months.firstIndex(of: name.lowercased()).map { Int64($0 + 1) }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
