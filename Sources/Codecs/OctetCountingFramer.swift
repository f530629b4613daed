/// Splits octet-counted frames (`MSG-LEN SP MSG`, RFC 6587 §3.4.1 / RFC 5425 / logplex).
///
///     "83 <158>1 2024-…Z host heroku router - at=info …\n" "71 <172>1 … L10 …" "90 <13>1 …"
///      └len┘└──────────── 83 bytes, LF included ────────┘ └── logplex L10: no LF ──┘
///
/// Frames are split by their count, never by newline. A header that does not parse, or a
/// count that runs past the data or into the middle of what follows, yields `.malformed`
/// covering the bytes up to the next line that starts like a frame header, so one lying
/// frame never sinks the frames after it. Resumable: `.needMoreData` asks for more bytes
/// (for streams); a complete buffer (a drain body) passes `isComplete: true`.
public struct OctetCountingFramer {
    /// What the framer found at the current position.
    public enum Item: Equatable, Sendable {
        /// A well-formed frame's message bytes.
        case frame(Range<Int>)
        /// Bytes that are not a well-formed frame, with the reason.
        case malformed(Range<Int>, reason: String)
        /// The buffer ends inside a frame (streams only).
        case needMoreData
        /// Nothing left.
        case end
    }

    /// Frames longer than this are malformed (`max_frame_bytes`).
    public let maxFrameBytes: Int
    /// Where the next frame header starts.
    public private(set) var position = 0

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    /// The next item of `bytes` from `position`.
    public mutating func next(_ bytes: UnsafeRawBufferPointer, isComplete: Bool) -> Item {
        let n = bytes.count
        while position < n, bytes[position] == UInt8(ascii: "\n") || bytes[position] == UInt8(ascii: "\r")
            || bytes[position] == UInt8(ascii: " ") { position += 1 }
        guard position < n else { return .end }
        let start = position
        var i = start
        var length = 0
        while i < n, bytes[i] &- 48 < 10, i - start < 10 {
            length = length * 10 + Int(bytes[i] &- 48)
            i += 1
        }
        if i == n, !isComplete { return .needMoreData }
        guard i > start, i < n, bytes[i] == UInt8(ascii: " "), length > 0 else {
            return malformed(bytes, from: start, "frame does not start with a length and a space")
        }
        let messageStart = i + 1
        guard length <= maxFrameBytes else {
            return malformed(bytes, from: start, "frame of \(length) bytes is over max_frame_bytes (\(maxFrameBytes))")
        }
        let messageEnd = messageStart + length
        if messageEnd > n {
            if !isComplete { return .needMoreData }
            return malformed(bytes, from: start, "frame length \(length) runs past the end of the data")
        }
        if messageEnd < n, !Self.looksLikeHeader(bytes, at: Self.skipSeparators(bytes, messageEnd)) {
            return malformed(bytes, from: start, "frame length \(length) does not end where the next frame begins")
        }
        position = messageEnd
        return .frame(messageStart..<messageEnd)
    }

    /// Marks everything from `start` to the next plausible frame header as malformed.
    private mutating func malformed(_ bytes: UnsafeRawBufferPointer, from start: Int, _ reason: String) -> Item {
        var i = start + 1
        while i < bytes.count {
            if bytes[i - 1] == UInt8(ascii: "\n"), Self.looksLikeHeader(bytes, at: i) { break }
            i += 1
        }
        position = i
        return .malformed(start..<i, reason: reason)
    }

    private static func skipSeparators(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int {
        var i = at
        while i < bytes.count, bytes[i] == UInt8(ascii: "\n") || bytes[i] == UInt8(ascii: "\r") { i += 1 }
        return i
    }

    /// True when `at` starts `DIGITS SP <`, the shape of a frame header and a syslog PRI.
    static func looksLikeHeader(_ bytes: UnsafeRawBufferPointer, at: Int) -> Bool {
        var i = at
        while i < bytes.count, bytes[i] &- 48 < 10, i - at < 10 { i += 1 }
        return i > at && i + 1 < bytes.count && bytes[i] == UInt8(ascii: " ") && bytes[i + 1] == UInt8(ascii: "<")
    }
}
