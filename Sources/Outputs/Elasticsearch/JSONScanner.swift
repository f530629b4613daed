/// A forward-only reader of JSON bytes (`_bulk` answers, `ElasticsearchBulkResponse`): enough
/// to walk objects and arrays, read numbers and booleans, compare keys and skip any value
/// (strings with escapes, nested containers).
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0
    /// Containers deeper than this are refused (a hostile answer cannot exhaust the stack).
    static let maxDepth = 64
    private var depth = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// Walks an object: `member` gets each key's byte range (inside the quotes) and must read its value.
    mutating func object(_ member: (inout JSONScanner, Range<Int>) -> Bool) -> Bool {
        guard depth < Self.maxDepth, take(UInt8(ascii: "{")) else { return false }
        depth += 1
        defer { depth -= 1 }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), member(&self, key) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// Walks an array: `element` must read each element.
    mutating func array(_ element: (inout JSONScanner) -> Bool) -> Bool {
        guard depth < Self.maxDepth, take(UInt8(ascii: "[")) else { return false }
        depth += 1
        defer { depth -= 1 }
        if take(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]"))
    }

    /// True when the key at `range` is `name` (keys compared as written; Elasticsearch escapes none of these).
    func key(_ range: Range<Int>, is name: StaticString) -> Bool {
        range.count == name.utf8CodeUnitCount
            && UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: range.count))
    }

    /// A string's bytes (escapes left as they are); nil if there is none.
    mutating func string() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return start..<(position - 1)
            case UInt8(ascii: "\\"): position += 2
            default: position += 1
            }
        }
        return nil
    }

    mutating func int() -> Int? {
        skipSpace()
        var value = 0, digits = 0
        while position < bytes.count, bytes[position] &- 48 < 10, digits < 18 {
            value = value * 10 + Int(bytes[position] &- 48)
            position += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    mutating func bool() -> Bool? {
        skipSpace()
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count,
              UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
                .elementsEqual(UnsafeRawBufferPointer(start: word.utf8Start, count: n)) else { return false }
        position += n
        return true
    }

    /// Skips one value of any kind.
    mutating func skipValue() -> Bool {
        skipSpace()
        guard position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "{"): return object { s, _ in s.skipValue() }
        case UInt8(ascii: "["): return array { $0.skipValue() }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool() != nil
        case UInt8(ascii: "n"): return literal("null")
        default:
            let start = position
            while position < bytes.count, "+-.0123456789eE".utf8.contains(bytes[position]) { position += 1 }
            return position > start
        }
    }
}
