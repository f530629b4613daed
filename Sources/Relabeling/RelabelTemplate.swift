/// A `replacement` or `target_label` with `$1`, `${1}`, `$name`, `${name}` references, parsed
/// once against its rule's regex, expanded as Go's `regexp.Expand` (Prometheus' expander):
///
/// - `$$` is a literal `$`;
/// - a name runs as far as letters, digits and `_` go: `$1x` is `${1x}`, not `${1}x`;
/// - a name of digits (no leading zero) is a group number, else a named group;
/// - a group that does not exist or took no part expands to nothing;
/// - a `$` not followed by a name (or `${` without `}`) is kept as text.
struct RelabelTemplate: Sendable {
    enum Part: Sendable, Equatable {
        case text([UInt8])
        /// A group reference: the candidate group numbers, the first that matched is used.
        case group([Int])
    }

    let parts: [Part]

    /// Parses `template`, resolving names against `regex`'s groups.
    init(_ template: String, regex: RelabelRegex) {
        var parts: [Part] = []
        var text: [UInt8] = []
        let scalars = Array(template.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "$" else {
                text.append(contentsOf: String(scalars[i]).utf8)
                i += 1
                continue
            }
            if i + 1 < scalars.count, scalars[i + 1] == "$" {
                text.append(UInt8(ascii: "$"))
                i += 2
                continue
            }
            guard let (name, next) = Self.reference(scalars, after: i) else {
                text.append(UInt8(ascii: "$"))
                i += 1
                continue
            }
            if !text.isEmpty { parts.append(.text(text)) }
            text = []
            parts.append(.group(Self.groups(name, regex)))
            i = next
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    /// Appends the expansion to `out`; `subject` is what `regex` last matched.
    func expand(_ regex: RelabelRegex, subject: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        for part in parts {
            switch part {
            case .text(let bytes):
                out.append(contentsOf: bytes)
            case .group(let numbers):
                for number in numbers {
                    guard let range = regex.range(of: number) else { continue }
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: subject[range]))
                    break
                }
            }
        }
    }

    /// The name after the `$` at `dollar` and the index after the reference; nil when there
    /// is no well-formed reference.
    private static func reference(_ s: [Unicode.Scalar], after dollar: Int) -> (String, Int)? {
        var i = dollar + 1
        let brace = i < s.count && s[i] == "{"
        if brace { i += 1 }
        let start = i
        while i < s.count, isNameScalar(s[i]) { i += 1 }
        guard i > start else { return nil }
        let name = String(String.UnicodeScalarView(s[start..<i]))
        if brace {
            guard i < s.count, s[i] == "}" else { return nil }
            i += 1
        }
        return (name, i)
    }

    /// Go's `unicode.IsLetter || unicode.IsDigit || '_'`.
    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
            return true
        default:
            return false
        }
    }

    /// The groups `name` refers to: a number (no leading zero) or the named groups so called.
    private static func groups(_ name: String, _ regex: RelabelRegex) -> [Int] {
        let isNumber = name.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        if isNumber {
            guard name == "0" || !name.hasPrefix("0"), let n = Int(name), n <= regex.captureCount else { return [] }
            return [n]
        }
        return regex.names[name] ?? []
    }
}
