/// Scans logfmt (`key=value key2="quoted value" flag`) from raw bytes without allocating.
///
/// Follows the go-logfmt grammar: a key runs to `=` or a space; a value is bare (to the next
/// space) or double-quoted with backslash escapes; a key without `=` has an empty value.
public struct LogfmtScanner {
    /// One key/value pair as byte ranges into the scanned buffer.
    public struct Pair: Sendable, Equatable {
        /// The key's bytes.
        public var key: Range<Int>
        /// The value's bytes, without quotes (escapes still in place when `hasEscapes`).
        public var value: Range<Int>
        /// True when the value was double-quoted.
        public var quoted: Bool
        /// True when the quoted value holds backslash escapes that need `unescape`.
        public var hasEscapes: Bool
    }

    private let bytes: UnsafeRawBufferPointer
    private var index: Int

    /// Starts scanning `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.index = 0
    }

    /// The next pair, or nil at the end of the input.
    public mutating func next() -> Pair? {
        let n = bytes.count
        while index < n, bytes[index] <= 0x20 { index += 1 }
        guard index < n else { return nil }
        let keyStart = index
        while index < n, bytes[index] > 0x20, bytes[index] != UInt8(ascii: "=") { index += 1 }
        let key = keyStart..<index
        guard index < n, bytes[index] == UInt8(ascii: "=") else {
            return Pair(key: key, value: index..<index, quoted: false, hasEscapes: false)
        }
        index += 1
        if index < n, bytes[index] == UInt8(ascii: "\"") {
            index += 1
            let valueStart = index
            var escapes = false
            while index < n, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { escapes = true; index += 1 }
                index += 1
            }
            let valueEnd = min(index, n)
            if index < n { index += 1 }
            return Pair(key: key, value: valueStart..<valueEnd, quoted: true, hasEscapes: escapes)
        }
        let valueStart = index
        while index < n, bytes[index] > 0x20 { index += 1 }
        return Pair(key: key, value: valueStart..<index, quoted: false, hasEscapes: false)
    }

    /// Resolves backslash escapes (`\"`, `\\`, `\n`, `\t`, `\r`) of a quoted value, calling
    /// `emit` with each output byte run.
    public static func unescape(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        var runStart = 0
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count else { i += 1; continue }
            if runStart < i { emit(UnsafeRawBufferPointer(rebasing: bytes[runStart..<i])) }
            var c = bytes[i + 1]
            switch c {
            case UInt8(ascii: "n"): c = UInt8(ascii: "\n")
            case UInt8(ascii: "t"): c = UInt8(ascii: "\t")
            case UInt8(ascii: "r"): c = UInt8(ascii: "\r")
            default: break
            }
            withUnsafeBytes(of: c) { emit($0) }
            i += 2
            runStart = i
        }
        if runStart < bytes.count { emit(UnsafeRawBufferPointer(rebasing: bytes[runStart...])) }
    }
}
