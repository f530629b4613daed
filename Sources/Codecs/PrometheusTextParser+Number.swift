#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PrometheusTextParser {
    /// A sample value: a decimal float (`1`, `-2.5`, `1e3`, `.5`) or `NaN`, `Inf`, `+Inf`, `-Inf`
    /// (any case, as Prometheus' Go parser accepts them). Hexadecimal floats are refused.
    static func parseValue(_ b: UnsafeRawBufferPointer) -> Double? {
        guard let first = b.first, b.count <= 64 else { return nil }
        let signed = first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
        let word = signed ? UnsafeRawBufferPointer(rebasing: b.dropFirst()) : b
        if isASCII(word, "inf") || isASCII(word, "infinity") {
            return first == UInt8(ascii: "-") ? -.infinity : .infinity
        }
        if !signed, isASCII(word, "nan") { return .nan }
        var integer = true
        for c in word {
            if c &- UInt8(ascii: "0") < 10 { continue }
            guard c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "-") else { return nil }
            integer = false
        }
        if integer, !word.isEmpty, word.count <= 15 {
            var v: Int64 = 0
            for c in word { v = v * 10 + Int64(c &- UInt8(ascii: "0")) }
            return Double(first == UInt8(ascii: "-") ? -v : v)
        }
        return parseFloat(b)
    }

    /// A 0.0.4 timestamp: integer milliseconds, overflow-checked.
    static func parseMilliseconds(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard let first = b.first else { return nil }
        let negative = first == UInt8(ascii: "-")
        let digits = negative ? UnsafeRawBufferPointer(rebasing: b.dropFirst()) : b
        guard !digits.isEmpty else { return nil }
        var v: Int64 = 0
        for c in digits {
            let d = c &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = s
        }
        return negative ? -v : v
    }

    /// An OpenMetrics timestamp: float seconds, returned as milliseconds.
    static func parseSecondsAsMilliseconds(_ b: UnsafeRawBufferPointer) -> Int64? {
        guard let seconds = parseValue(b), seconds.isFinite, abs(seconds) < 9e15 else { return nil }
        return Int64((seconds * 1000).rounded())
    }

    /// `strtod` over the whole of `b`, copied NUL-terminated onto the stack.
    private static func parseFloat(_ b: UnsafeRawBufferPointer) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: b.count + 1) { text in
            for (i, c) in b.enumerated() { text[i] = CChar(bitPattern: c) }
            text[b.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(text.baseAddress!, &end)
            guard let end, end - text.baseAddress! == b.count else { return nil }
            return v
        }
    }

    /// True when `b` is `word` in any case.
    private static func isASCII(_ b: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        guard b.count == word.utf8CodeUnitCount else { return false }
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        return zip(b, w).allSatisfy { $0 | 0x20 == $1 }
    }
}
