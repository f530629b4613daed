import Codecs
import Pipeline

/// What a captured group is converted to (`types: {status: int, service: duration}`).
///
/// - int: a decimal integer (`-12`) → int.
/// - float: a decimal number (`0.25`, `1e3`) → double.
/// - bool: `true`/`false` (also `1`/`0`, `yes`/`no`) → bool.
/// - duration: a number with an optional unit `ns us µs ms s` (none is seconds) → double seconds
///   (`12ms` → 0.012), the convention `l2met` and `log_to_metric` use.
/// - size: a number with an optional unit `B kB MB GB TB` (1024-based, as Heroku writes
///   memory; none is bytes) → int bytes.
/// - timestamp: RFC 3339 → int Unix nanoseconds.
enum RegexFieldType: String, CaseIterable {
    case int, float, bool, duration, size, timestamp

    static var allowedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// `bytes` converted; nil when they do not read as this type.
    func convert(_ bytes: UnsafeRawBufferPointer) -> FieldValue? {
        switch self {
        case .int: Self.integer(bytes).map { .int($0) }
        case .float: Self.float(bytes).map { .double($0) }
        case .bool: Self.bool(bytes).map { .bool($0) }
        case .duration: Self.withUnit(bytes, seconds: true).map { .double($0) }
        case .size:
            Self.withUnit(bytes, seconds: false).flatMap { $0.isFinite && abs($0) < 9e18 ? .int(Int64($0)) : nil }
        case .timestamp: RFC3339.parse(bytes).map { .int($0) }
        }
    }

    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var i = 0, negative = false
        if bytes.count > 1, bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < bytes.count else { return nil }
        var value: Int64 = 0
        while i < bytes.count {
            let d = bytes[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            value = s
            i += 1
        }
        return negative ? -value : value
    }

    private static func float(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        for b in bytes {
            let ok = (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
            guard ok else { return nil }
        }
        // Only digits, signs, dots and exponents reach here: a short stack copy, no allocation.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { buffer in
            _ = buffer.initialize(from: bytes)
            return Double(Substring(decoding: UnsafeBufferPointer(buffer), as: UTF8.self))
        }
    }

    private static func bool(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        for (text, value) in boolWords where text.count == bytes.count && text.elementsEqual(bytes) { return value }
        return nil
    }

    private static let boolWords: [([UInt8], Bool)] = [
        ("true", true), ("false", false), ("1", true), ("0", false), ("yes", true), ("no", false),
    ].map { (Array($0.0.utf8), $0.1) }

    /// A number with a unit in base units (seconds or bytes); nil for an unknown unit.
    private static func withUnit(_ bytes: UnsafeRawBufferPointer, seconds: Bool) -> Double? {
        guard !bytes.isEmpty, let parsed = NumberWithUnit.parse(bytes, allowNegative: true) else { return nil }
        // The number must run up to the unit: `1.2.3` or `12 ms` are not values.
        let numberEnd = parsed.unit.isEmpty ? bytes.count : parsed.unit.lowerBound
        var dots = 0
        for (k, b) in bytes[0..<numberEnd].enumerated() {
            if b == UInt8(ascii: ".") { dots += 1; continue }
            if b == UInt8(ascii: "-"), k == 0 { continue }
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
        }
        guard dots <= 1 else { return nil }
        guard parsed.unit.isEmpty || parsed.unit.upperBound == bytes.count else { return nil }
        let unit = UnsafeRawBufferPointer(rebasing: bytes[parsed.unit])
        switch UnitConversion.classify(unit) {
        case .none: return parsed.number
        case .seconds(let perSecond) where seconds: return parsed.number / perSecond
        case .bytes(let size) where !seconds: return parsed.number * size
        default: return nil
        }
    }
}
