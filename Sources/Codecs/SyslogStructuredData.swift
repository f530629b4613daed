/// RFC 5424 STRUCTURED-DATA: validated in place, then walked element by element without allocating.
///
///     [exampleSDID@32473 iut="3" eventSource="App\"lication"][timeQuality tzKnown="1"]
///      SD-ID             PARAM-NAME="PARAM-VALUE" ...        next SD-ELEMENT
///
/// Inside a PARAM-VALUE, `\"`, `\\` and `\]` are escapes (RFC 5424 §6.3.3); values are returned raw,
/// escapes still in, and `unescaped(_:in:)` resolves them off the hot path.
public enum SyslogStructuredData {
    /// Checks the SD elements starting at `start` (a `[`) and returns the index just past the last `]`.
    static func validate(_ bytes: UnsafeRawBufferPointer, from start: Int, end: Int) -> Result<Int, SyslogParseError> {
        var i = start
        func fail(_ kind: SyslogParseError.Kind) -> Result<Int, SyslogParseError> {
            .failure(SyslogParseError(i >= end ? .unterminatedStructuredData : kind, at: min(i, end)))
        }
        // SD-NAME = 1*32 PRINTUSASCII except '=', SP, ']', '"'
        func name() -> Bool {
            let s = i
            while i < end, i - s < 32, bytes[i] > 32, bytes[i] < 127, bytes[i] != UInt8(ascii: "="),
                  bytes[i] != UInt8(ascii: "]"), bytes[i] != UInt8(ascii: "\"") { i += 1 }
            return i > s
        }
        while i < end, bytes[i] == UInt8(ascii: "[") {
            i += 1
            guard name() else { return fail(.badStructuredData) }
            while i < end, bytes[i] == UInt8(ascii: " ") {
                i += 1
                guard name() else { return fail(.badStructuredData) }
                guard i < end, bytes[i] == UInt8(ascii: "=") else { return fail(.badStructuredData) }
                i += 1
                guard i < end, bytes[i] == UInt8(ascii: "\"") else { return fail(.badStructuredData) }
                i += 1
                while i < end, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                guard i < end else { return fail(.unterminatedStructuredData) }
                i += 1
            }
            guard i < end, bytes[i] == UInt8(ascii: "]") else { return fail(.badStructuredData) }
            i += 1
        }
        return i > start ? .success(i) : fail(.badStructuredData)
    }

    /// Resolves `\"`, `\\`, `\]` in a raw PARAM-VALUE; any other backslash stays (RFC 5424 §6.3.3).
    public static func unescaped(_ value: Range<Int>, in bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var i = value.lowerBound
        while i < value.upperBound {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 1 < value.upperBound,
               [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]")].contains(bytes[i + 1]) {
                out.append(bytes[i + 1])
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }
}

/// Walks validated STRUCTURED-DATA: `nextElement()` gives each SD-ID, `nextParam()` that element's params.
///
///     var sd = SyslogStructuredDataScanner(bytes, message.structuredData)
///     while let id = sd.nextElement() {
///         while let (name, value) = sd.nextParam() { … }   // ranges into `bytes`
///     }
public struct SyslogStructuredDataScanner {
    private let bytes: UnsafeRawBufferPointer
    private let end: Int
    private var i: Int
    private var inElement = false

    /// `range` must be a `structuredData` range from a parse of these same bytes.
    public init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        self.bytes = bytes
        self.end = min(range.upperBound, bytes.count)
        self.i = range.lowerBound
    }

    /// The next element's SD-ID, skipping params of the current element not yet read.
    public mutating func nextElement() -> Range<Int>? {
        while inElement, nextParam() != nil {}
        guard i < end, bytes[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        let s = i
        while i < end, bytes[i] != UInt8(ascii: " "), bytes[i] != UInt8(ascii: "]") { i += 1 }
        inElement = true
        return s..<i
    }

    /// The next PARAM-NAME and raw PARAM-VALUE (without quotes) of the current element.
    public mutating func nextParam() -> (name: Range<Int>, value: Range<Int>)? {
        guard inElement, i < end else { return nil }
        if bytes[i] == UInt8(ascii: "]") {
            i += 1
            inElement = false
            return nil
        }
        i += 1  // SP
        let nameStart = i
        while i < end, bytes[i] != UInt8(ascii: "=") { i += 1 }
        let name = nameStart..<i
        i = min(end, i + 2)  // ="
        let valueStart = i
        while i < end, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
        i = min(i, end)
        let value = valueStart..<i
        i = min(end, i + 1)
        return (name, value)
    }
}
