#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A number with a unit suffix, read the way l2met reads values (`200ms`, `40.9MB`, `.5`,
/// `348836pages`); `UnitConversion` says what the unit means.
///
/// From l2met's `parser/tuple.go`: an empty value is 1; leading digits and the first `.` are
/// read and parsing stops at the first other byte (`1.2.3` → 1.2); the unit is the value with
/// digits and dots trimmed from both ends (`200ms` → `ms`, `1.2.3` → none). A leading `-` is
/// not a number to l2met; callers that accept negatives (`sample#`, `log_to_metric` gauges) ask.
/// Shared by `l2met` and `log_to_metric`.
struct NumberWithUnit: Equatable {
    /// The number as written (the unit not applied).
    var number: Double
    /// Where the unit sits in the parsed bytes (empty when there is none).
    var unit: Range<Int>

    /// Parses `bytes`; nil when no digit leads the value (after an optional `-` when allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer, allowNegative: Bool = false) -> NumberWithUnit? {
        let n = bytes.count
        if n == 0 { return NumberWithUnit(number: 1, unit: 0..<0) }
        var start = 0
        var negative = false
        if allowNegative, bytes[0] == UInt8(ascii: "-") {
            negative = true
            start = 1
        }
        var i = start
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenDot = false
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else if b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(b &- UInt8(ascii: "0"))
                    if seenDot { fractionDigits += 1 }
                }
                digits += 1
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var number: Double
        if digits <= 15 {
            // Exact mantissa divided by an exact power of ten: one rounding, as strtod gives.
            number = Double(mantissa) / powersOfTen[fractionDigits]
        } else {
            number = slowParse(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        }
        if negative { number = -number }
        return NumberWithUnit(number: number, unit: unitRange(bytes, from: start))
    }

    /// l2met's `strings.TrimFunc(value, digitOrDot)`: the value without digits and dots at either end.
    private static func unitRange(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Range<Int> {
        var lower = start
        var upper = bytes.count
        while lower < upper, isDigitOrDot(bytes[lower]) { lower += 1 }
        while upper > lower, isDigitOrDot(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    private static func isDigitOrDot(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ".") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    private static let powersOfTen: [Double] = (0...19).map { pow(10, Double($0)) }

    /// strtod over a stack copy, for numbers with more digits than a double holds exactly.
    private static func slowParse(_ digits: UnsafeRawBufferPointer) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: digits.count + 1) { buffer in
            for (k, b) in digits.enumerated() { buffer[k] = CChar(bitPattern: b) }
            buffer[digits.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }
}
