import NIOCore

/// A forward-only reader of JSON (RFC 8259) bytes for the OTLP/JSON transcoder: walks objects
/// and arrays, reads strings, numbers and literals as byte ranges, and skips any value.
///
/// Strings are not copied: a `StringToken` is the range between the quotes plus the length
/// of its UTF-8 decoding, so a caller can write the length of a protobuf string before
/// decoding the escapes straight into the output. Invalid UTF-8 and lone surrogates decode
/// to U+FFFD, as Go's encoding/json does, so the output strings are always valid UTF-8.
struct OTLPJSONScanner {
    let bytes: UnsafeRawBufferPointer
    /// Where the next byte to read is.
    private(set) var position = 0
    /// Containers deeper than this are refused, so a hostile body cannot exhaust the stack.
    static let maxDepth = 64
    private var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The contents of a JSON string.
    struct StringToken {
        /// The bytes between the quotes, escapes as written.
        let range: Range<Int>
        /// Bytes of its UTF-8 decoding.
        let decodedCount: Int
        /// True when the decoding is the bytes as written (no escape, valid UTF-8).
        let isVerbatim: Bool
    }

    /// A syntax error at `offset` (the current position by default).
    func error(_ reason: String, at offset: Int? = nil) -> OTLPJSONError {
        OTLPJSONError(offset: offset ?? position, reason: reason)
    }

    // MARK: Structure

    /// The next byte after whitespace, which `position` is then at.
    mutating func peek() throws(OTLPJSONError) -> UInt8 {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return bytes[position]
            }
        }
        throw error("unexpected end of input")
    }

    /// Reads an object: `member` gets each key and must read its value.
    mutating func object(_ member: (inout OTLPJSONScanner, StringToken) throws(OTLPJSONError) -> Void) throws(OTLPJSONError) {
        try enter(UInt8(ascii: "{"))
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            guard try peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            try member(&self, key)
            guard try endOfMember(closing: UInt8(ascii: "}")) else { return }
        }
    }

    /// Reads an array: `element` must read each element.
    mutating func array(_ element: (inout OTLPJSONScanner) throws(OTLPJSONError) -> Void) throws(OTLPJSONError) {
        try enter(UInt8(ascii: "["))
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        repeat {
            try element(&self)
        } while try endOfMember(closing: UInt8(ascii: "]"))
    }

    private mutating func enter(_ opening: UInt8) throws(OTLPJSONError) {
        guard try peek() == opening else { throw error("expected '\(Character(Unicode.Scalar(opening)))'") }
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth) levels") }
        depth += 1
        position += 1
    }

    /// Reads the `,` (true: another member follows) or the closing bracket (false).
    private mutating func endOfMember(closing: UInt8) throws(OTLPJSONError) -> Bool {
        let c = try peek()
        position += 1
        if c == UInt8(ascii: ",") { return true }
        if c == closing { return false }
        position -= 1
        throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    /// Throws unless only whitespace is left.
    mutating func finish() throws(OTLPJSONError) {
        guard (try? peek()) == nil else { throw error("unexpected data after the top-level object") }
    }

    /// Skips one value of any kind.
    mutating func skipValue() throws(OTLPJSONError) {
        switch try peek() {
        case UInt8(ascii: "{"): try object { s, _ throws(OTLPJSONError) in try s.skipValue() }
        case UInt8(ascii: "["): try array { s throws(OTLPJSONError) in try s.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            guard takeBool() != nil else { throw error("expected a value") }
        case UInt8(ascii: "n"):
            guard takeNull() else { throw error("expected a value") }
        default: _ = try number()
        }
    }

    // MARK: Literals and numbers

    /// Reads `null` if it is next.
    mutating func takeNull() -> Bool {
        guard (try? peek()) != nil else { return false }
        return literal("null")
    }

    /// Reads `true` or `false` if one is next.
    mutating func takeBool() -> Bool? {
        guard (try? peek()) != nil else { return nil }
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

    /// Reads a number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), returning its range.
    mutating func number() throws(OTLPJSONError) -> Range<Int> {
        let start = position
        guard let end = Self.numberEnd(bytes, from: start) else { throw error("expected a value") }
        position = end
        return start..<end
    }

    /// Where the JSON number starting at `start` of `b` ends, or nil if none starts there.
    static func numberEnd(_ b: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var i = start
        func digits() -> Int {
            let first = i
            while i < b.count, b[i] &- UInt8(ascii: "0") < 10 { i += 1 }
            return i - first
        }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] &- UInt8(ascii: "0") < 10 else { return nil }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { _ = digits() }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return nil }
        }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        return i
    }

    // MARK: Strings

    /// Reads a string, checking its escapes and measuring its UTF-8 decoding.
    mutating func string() throws(OTLPJSONError) -> StringToken {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        let start = position + 1
        var i = start, decoded = 0, verbatim = true
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                position = i + 1
                return StringToken(range: start..<i, decodedCount: decoded, isVerbatim: verbatim)
            } else if c == UInt8(ascii: "\\") {
                guard let (scalar, next) = escape(at: i) else { throw error("invalid escape in string", at: i) }
                decoded += UTF8.width(scalar)
                verbatim = false
                i = next
            } else if c < 0x20 {
                throw error("control character in string", at: i)
            } else if c < 0x80 {
                decoded += 1
                i += 1
            } else if let n = UTF8Validation.sequenceLength(bytes, at: i) {
                decoded += n
                i += n
            } else {
                decoded += 3  // U+FFFD
                verbatim = false
                i += 1
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Writes the UTF-8 decoding of `token` (`decodedCount` bytes) to `buffer`.
    func decode(_ token: StringToken, into buffer: inout ByteBuffer) {
        guard !token.isVerbatim else {
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[token.range]))
            return
        }
        var i = token.range.lowerBound
        while i < token.range.upperBound {
            let c = bytes[i]
            if c == UInt8(ascii: "\\") {
                let (scalar, next) = escape(at: i) ?? ("\u{FFFD}", i + 2)  // checked by `string()`
                UTF8.encode(scalar) { buffer.writeInteger($0) }
                i = next
            } else if c < 0x80 {
                buffer.writeInteger(c)
                i += 1
            } else if let n = UTF8Validation.sequenceLength(bytes, at: i) {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + n)]))
                i += n
            } else {
                buffer.writeBytes([0xEF, 0xBF, 0xBD])
                i += 1
            }
        }
    }

    /// Calls `body` with the decoded bytes of `token`: the input itself unless it has escapes.
    func withContents<R>(_ token: StringToken, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if token.isVerbatim { return body(UnsafeRawBufferPointer(rebasing: bytes[token.range])) }
        var decoded = ByteBuffer()
        decode(token, into: &decoded)
        return decoded.withUnsafeReadableBytes(body)
    }

    /// The escape at `i` (a backslash) and where the next character starts; a `\u` pair of
    /// UTF-16 surrogates is one scalar, a lone surrogate U+FFFD.
    private func escape(at i: Int) -> (Unicode.Scalar, Int)? {
        guard i + 1 < bytes.count else { return nil }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return (Unicode.Scalar(bytes[i + 1]), i + 2)
        case UInt8(ascii: "b"): return ("\u{08}", i + 2)
        case UInt8(ascii: "f"): return ("\u{0C}", i + 2)
        case UInt8(ascii: "n"): return ("\n", i + 2)
        case UInt8(ascii: "r"): return ("\r", i + 2)
        case UInt8(ascii: "t"): return ("\t", i + 2)
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: i + 2) else { return nil }
            if (0xD800..<0xDC00).contains(unit), i + 7 < bytes.count, bytes[i + 6] == UInt8(ascii: "\\"),
               bytes[i + 7] == UInt8(ascii: "u"), let low = hex4(at: i + 8), (0xDC00..<0xE000).contains(low) {
                return (Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}", i + 12)
            }
            return (Unicode.Scalar(unit) ?? "\u{FFFD}", i + 6)
        default: return nil
        }
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            guard let d = Hex.digit(bytes[k]) else { return nil }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
