/// Well-formed UTF-8 (Unicode table 3-7, RFC 3629: no overlong forms, surrogates or values
/// past U+10FFFF), checked from bytes: protobuf parsers refuse a `string` field that is not.
package enum UTF8Validation {
    /// The length of the well-formed multi-byte sequence at `i` of `bytes`, or nil (also for
    /// ASCII, which callers take one byte at a time).
    @inlinable
    package static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let (n, low, high): (Int, UInt8, UInt8)
        switch bytes[i] {
        case 0xC2...0xDF: (n, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (n, low, high) = (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE, 0xEF: (n, low, high) = (3, 0x80, 0xBF)
        case 0xED: (n, low, high) = (3, 0x80, 0x9F)  // no surrogates
        case 0xF0: (n, low, high) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (n, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (n, low, high) = (4, 0x80, 0x8F)  // up to U+10FFFF
        default: return nil
        }
        guard i + n <= bytes.count, (low...high).contains(bytes[i + 1]) else { return nil }
        for k in (i + 2)..<(i + n) where bytes[k] & 0xC0 != 0x80 { return nil }
        return n
    }

    /// True when `bytes` is well-formed UTF-8.
    package static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            // ASCII eight bytes at a time.
            if i + 8 <= n, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            if bytes[i] < 0x80 {
                i += 1
                continue
            }
            guard let length = sequenceLength(bytes, at: i) else { return false }
            i += length
        }
        return true
    }
}
