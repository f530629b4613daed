/// The `lowercase` and `uppercase` actions' mapping, as Go's `strings.ToLower`/`ToUpper`
/// Prometheus calls: ASCII bytewise; other characters one by one through Unicode's case
/// mapping, where a character whose mapping is several characters (`ß` → `SS`) is kept, as
/// Go's one-character mapping keeps it. Invalid UTF-8 becomes U+FFFD, as in Go.
enum RelabelCaseMapping {
    /// Appends `bytes` mapped to lower (or `upper`) case to `out`.
    static func map(_ bytes: [UInt8], upper: Bool, into out: inout [UInt8]) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            for b in bytes { out.append(upper ? asciiUpper(b) : asciiLower(b)) }
            return
        }
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            let mapping = upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping
            let mapped = mapping.unicodeScalars.count == 1 ? mapping.unicodeScalars.first! : scalar
            out.append(contentsOf: UTF8.encode(mapped)!)
        }
    }

    private static func asciiLower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }

    private static func asciiUpper(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b & ~0x20 : b
    }
}
