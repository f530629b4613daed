/// Iterates the lines of a byte buffer and the whitespace-separated fields of each line,
/// as index ranges: no `String` is made unless a caller asks for one.
struct ProcLines: Sequence, IteratorProtocol {
    let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next line's fields.
    mutating func next() -> ProcFields? {
        guard position < bytes.count else { return nil }
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
        let line = ProcFields(bytes: bytes, range: start..<position)
        position += 1
        return line
    }
}

/// The fields of one line (or of a whole one-line file), split on spaces, tabs and newlines.
struct ProcFields: Sequence, IteratorProtocol {
    let bytes: [UInt8]
    private var position: Int
    private let end: Int

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    mutating func next() -> Range<Int>? {
        while position < end, Self.isBlank(bytes[position]) { position += 1 }
        guard position < end else { return nil }
        let start = position
        while position < end, !Self.isBlank(bytes[position]) { position += 1 }
        return start..<position
    }

    /// The part of the line not yet split.
    var remainder: Range<Int> { position..<end }

    private static func isBlank(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n")
    }
}

extension [UInt8] {
    /// True when the bytes at `range` spell `text`.
    func matches(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { t in zip(self[range], t).allSatisfy { $0 == $1 } }
    }

    /// True when the bytes at `range` start with `prefix`.
    func hasPrefix(_ range: Range<Int>, _ prefix: StaticString) -> Bool {
        guard range.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { t in zip(self[range], t).allSatisfy { $0 == $1 } }
    }

    /// The bytes at `range` as a string (names and labels, not values).
    func string(_ range: Range<Int>) -> String { String(decoding: self[range], as: UTF8.self) }

    /// The unsigned decimal at `range`; nil when it is not one or overflows.
    func unsigned(_ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for b in self[range] {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// The decimal number at `range` (`123`, `-4`, `0.25`), correctly rounded for up to 15
    /// significant digits, which is all /proc prints.
    func decimal(_ range: Range<Int>) -> Double? {
        var digits = range
        let negative = !range.isEmpty && self[range.lowerBound] == UInt8(ascii: "-")
        if negative { digits = (range.lowerBound + 1)..<range.upperBound }
        let dot = self[digits].firstIndex(of: UInt8(ascii: "."))
        guard let whole = unsigned(digits.lowerBound..<(dot ?? digits.upperBound)) else { return nil }
        var value = Double(whole)
        if let dot, dot + 1 < digits.upperBound {
            let fractionRange = (dot + 1)..<digits.upperBound
            guard fractionRange.count <= 15, let fraction = unsigned(fractionRange) else { return nil }
            var scale = 1.0
            for _ in fractionRange { scale *= 10 }
            value = (Double(whole) * scale + Double(fraction)) / scale
        }
        return negative ? -value : value
    }
}
