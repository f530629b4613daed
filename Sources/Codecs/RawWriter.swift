/// Writes bytes through a raw pointer into space reserved beforehand, with no bounds or
/// uniqueness checks per write: the caller reserves an upper bound for what it writes
/// (`ByteBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes:)`).
public struct RawWriter {
    public let base: UnsafeMutableRawPointer
    /// Bytes written so far.
    public private(set) var count = 0

    public init(_ buffer: UnsafeMutableRawBufferPointer) { base = buffer.baseAddress! }

    /// Worst case of `writeJSONString` for `n` input bytes: every byte as `\u00XX`, plus quotes.
    @inline(__always)
    public static func jsonStringBound(_ n: Int) -> Int { 6 * n + 2 }

    @inline(__always)
    public mutating func write(_ byte: UInt8) {
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        (base + count).copyMemory(from: src, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    public mutating func write(_ string: StaticString) {
        (base + count).copyMemory(from: string.utf8Start, byteCount: string.utf8CodeUnitCount)
        count += string.utf8CodeUnitCount
    }

    /// Writes `bytes` as a quoted JSON string (see `JSONWriter.writeString`).
    public mutating func writeJSONString(_ bytes: UnsafeRawBufferPointer) {
        write(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        while i < bytes.count {
            // Eight bytes at a time while none needs escaping (the usual case).
            while i + 8 <= bytes.count, !Self.needsEscape(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i += 8 }
            guard i < bytes.count else { break }
            let b = bytes[i]
            i += 1
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            if runStart < i - 1 { write(UnsafeRawBufferPointer(rebasing: bytes[runStart..<(i - 1)])) }
            writeEscape(b)
            runStart = i
        }
        if runStart < bytes.count { write(UnsafeRawBufferPointer(rebasing: bytes[runStart...])) }
        write(UInt8(ascii: "\""))
    }

    /// True when one of the eight bytes of `word` is a control character, `"` or `\\`
    /// (exact: the classic has-zero-byte and has-less-than tests, no false positives).
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let zeroQuote = (quote &- ones) & ~quote, zeroBackslash = (backslash &- ones) & ~backslash
        return (control | zeroQuote | zeroBackslash) & highs != 0
    }

    /// Writes `value` as a JSON number: a whole number below 1e15 as an integer, others as Swift
    /// prints them; NaN and the infinities, which JSON lacks, as the strings `"NaN"`, `"+Inf"`,
    /// `"-Inf"` (at most 40 bytes).
    public mutating func writeJSONNumber(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            writeInt(Int64(value))
            return
        }
        var text = value.isFinite ? value.description : (value.isNaN ? "\"NaN\"" : (value > 0 ? "\"+Inf\"" : "\"-Inf\""))
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes an integer in decimal (at most 20 bytes).
    public mutating func writeInt(_ value: Int64) {
        if value < 0 { write(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits = 1
        var probe = v
        while probe >= 10 { probe /= 10; digits += 1 }
        var i = count + digits - 1
        repeat {
            base.storeBytes(of: UInt8(48 + v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
            i -= 1
        } while v > 0
        count += digits
    }

    private mutating func writeEscape(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): write("\\\"")
        case UInt8(ascii: "\\"): write("\\\\")
        case UInt8(ascii: "\n"): write("\\n")
        case UInt8(ascii: "\r"): write("\\r")
        case UInt8(ascii: "\t"): write("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            write("\\u00")
            write(hex.utf8Start[Int(b >> 4)])
            write(hex.utf8Start[Int(b & 0xF)])
        }
    }
}
