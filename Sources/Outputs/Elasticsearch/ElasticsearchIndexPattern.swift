import Codecs

/// An index name with strftime-style date codes (`logs-%Y.%m.%d`), parsed once at config
/// time and written per event from its timestamp, in UTC, without date formatting objects.
///
/// Codes: `%Y` year (4 digits), `%y` year in the century, `%m` month, `%d` day, `%H` hour
/// (2 digits each), `%j` day of the year (3 digits), `%%` a `%`. The rest is literal and
/// must obey Elasticsearch's index-name rules (lower case; none of `\ / * ? " < > | , # :`
/// or space; not starting with `-`, `_` or `+`; at most 255 bytes).
struct ElasticsearchIndexPattern: Sendable, Equatable {
    /// Literal bytes, or a date code rendered from the event's timestamp (UTC).
    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case year, shortYear, month, day, hour, dayOfYear

        /// Digits the code writes (0 for a literal).
        var width: Int {
            switch self {
            case .literal: 0
            case .year: 4
            case .dayOfYear: 3
            case .shortYear, .month, .day, .hour: 2
            }
        }
    }

    static let maxLength = 255

    /// Why a pattern cannot be used.
    struct Invalid: Error, Equatable {
        let reason: String
    }

    let parts: [Part]
    /// Bytes every name written takes (each code has a fixed width).
    let length: Int

    /// True when the name has no date code (one name for every event).
    var isFixed: Bool { parts.allSatisfy { if case .literal = $0 { true } else { false } } }

    /// Parses `text`; the error says what is wrong and where.
    static func parse(_ text: String) -> Result<ElasticsearchIndexPattern, Invalid> {
        var parts: [Part] = []
        var literal: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                literal.append(byte)
                continue
            }
            guard let code = bytes.popFirst() else { return .failure(Invalid(reason: "ends in a lone '%'; write '%%' for a percent sign")) }
            let part: Part
            switch code {
            case UInt8(ascii: "%"): literal.append(code); continue
            case UInt8(ascii: "Y"): part = .year
            case UInt8(ascii: "y"): part = .shortYear
            case UInt8(ascii: "m"): part = .month
            case UInt8(ascii: "d"): part = .day
            case UInt8(ascii: "H"): part = .hour
            case UInt8(ascii: "j"): part = .dayOfYear
            default:
                return .failure(Invalid(reason: "has an unknown date code '%\(Character(Unicode.Scalar(code)))'; allowed: %Y %y %m %d %H %j %%"))
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            parts.append(part)
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        let pattern = ElasticsearchIndexPattern(parts: parts)
        if let problem = pattern.problem { return .failure(Invalid(reason: problem)) }
        return .success(pattern)
    }

    init(parts: [Part]) {
        self.parts = parts
        length = parts.reduce(0) { sum, part in
            if case .literal(let bytes) = part { return sum + bytes.count }
            return sum + part.width
        }
    }

    /// What breaks Elasticsearch's index-name rules, if anything (codes write digits, which are fine).
    private var problem: String? {
        let literals = Array(parts.compactMap { if case .literal(let bytes) = $0 { bytes } else { nil } }.joined())
        if parts.isEmpty { return "must not be empty" }
        if length > Self.maxLength { return "gives names of \(length) bytes; Elasticsearch allows at most \(Self.maxLength)" }
        if let bad = literals.first(where: { Self.forbidden.contains($0) || $0 < 0x20 }) {
            let shown = bad == UInt8(ascii: " ") ? "space" : (bad < 0x20 ? "a control character" : "'\(Character(Unicode.Scalar(bad)))'")
            return "must not contain \(shown) (Elasticsearch index names exclude \\ / * ? \" < > | , # : and space)"
        }
        if literals.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) { return "must be lower case" }
        if case .literal(let first)? = parts.first, let c = first.first, [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+")].contains(c) {
            return "must not start with '\(Character(Unicode.Scalar(c)))'"
        }
        if isFixed, literals == Array(".".utf8) || literals == Array("..".utf8) { return "must not be '.' or '..'" }
        return nil
    }

    private static let forbidden = Array(#"\/*?"<>|,#: "#.utf8)

    /// Writes the name for an event at `nanoseconds` (Unix time, UTC); `length` bytes.
    func write(nanoseconds: Int64, into w: inout RawWriter) {
        var days = nanoseconds / 86_400_000_000_000
        var rest = nanoseconds % 86_400_000_000_000
        if rest < 0 { rest += 86_400_000_000_000; days -= 1 }
        let (year, month, day) = RFC3339.civilDate(daysSinceEpoch: days)
        for part in parts {
            let value: Int64
            switch part {
            case .literal(let bytes):
                bytes.withUnsafeBytes { w.write($0) }
                continue
            case .year: value = year
            case .shortYear: value = year % 100
            case .month: value = month
            case .day: value = day
            case .hour: value = rest / 3_600_000_000_000
            case .dayOfYear: value = days - RFC3339.daysSinceEpoch(year: year, month: 1, day: 1) + 1
            }
            var divisor: Int64 = 1
            for _ in 1..<part.width { divisor *= 10 }
            while divisor > 0 {
                w.write(UInt8(truncatingIfNeeded: 48 + value / divisor % 10))
                divisor /= 10
            }
        }
    }
}
