/// Splits octet-counted frames (`MSG-LEN SP MSG`, RFC 6587 §3.4.1 / RFC 5425 / logplex).
///
///     "83 <158>1 2024-…Z host heroku router - at=info …\n" "71 <172>1 … L10 …" "90 <13>1 …"
///      └len┘└──────────── 83 bytes, LF included ────────┘ └── logplex L10: no LF ──┘
///
/// Frames are split by their count, never by newline. A lying count shows only in what follows
/// it, so `counts` says whether to look:
/// - `.checked` (logplex bodies, whose counts have been seen to lie): a count must land on the next
///   frame's header (`DIGITS SP`, after any CR/LF) or on the end of the data. A frame that lands
///   there stands alone even when the frame after it is no syslog; one that lands anywhere else is a
///   lie. Fed as a stream, a frame waits for the next header's first bytes or the end of the stream.
/// - `.trusted` (syslog over TCP/TLS, as RFC 6587 receivers do): a frame is out as soon as its count
///   is satisfied, so the last message on a quiet connection is not held back for the next one.
///
/// A header that does not parse (no digits, over 10 digits, no space, 0), a count that runs past the
/// end of complete data, or a lie yields `.malformed` from the header to the next line that starts
/// `DIGITS SP <`, in items of at most `maxFrameBytes`, so one bad frame never sinks the frames after
/// it and a stream's buffer stays bounded. A believed frame over `maxFrameBytes` yields its first
/// `maxFrameBytes` bytes as `.malformed`, and its count skips the rest.
///
/// Resumable: a decision never depends on where a read ended; when the bytes seen cannot decide,
/// `next` answers `.needMoreData`. So any split of a stream into reads gives the same items as the
/// whole of it at once. A stream input keeps the bytes not yet consumed; on each read it appends
/// them, calls `next(_:isComplete: false)` until `.needMoreData`, then drops what is consumed:
///
///     buffer.moveReaderIndex(forwardBy: framer.position)
///     framer.rebase(droppingFirst: framer.position)
///
/// At the end of the stream it calls `next(_:isComplete: true)` until `.end`; a whole body is such
/// calls alone. Ranges in items are offsets into the bytes of that call.
public struct OctetCountingFramer {
    /// What the framer found at the current position.
    public enum Item: Equatable, Sendable {
        /// A well-formed frame's message bytes.
        case frame(Range<Int>)
        /// Bytes that are not a well-formed frame, with the reason.
        case malformed(Range<Int>, reason: String)
        /// Nothing more can be decided until more bytes arrive (streams only).
        case needMoreData
        /// The data is complete and all of it is consumed.
        case end
    }

    /// Whether a satisfied count is believed.
    public enum Counts: Sendable {
        /// Only when it lands on the next header or the end of the data (whole bodies).
        case checked
        /// Always (streams).
        case trusted
    }

    /// Frames longer than this are malformed (`max_frame_bytes`); no malformed item is longer.
    public let maxFrameBytes: Int
    /// Whether a satisfied count is believed or checked against what follows it.
    public let counts: Counts
    /// Where the next frame header starts: everything before it is consumed.
    public private(set) var position = 0
    /// How far the search for the end of a malformed run at `position` got before the data ran out.
    private var searchedTo = 0
    /// Bytes of an oversized frame still to skip, by its count.
    private var skipping = 0
    /// The most bytes one malformed item holds.
    private var cut: Int { Swift.max(maxFrameBytes, 1) }

    public init(maxFrameBytes: Int, counts: Counts) {
        self.maxFrameBytes = maxFrameBytes
        self.counts = counts
    }

    /// Tells the framer the caller dropped the first `count` consumed bytes of its buffer.
    public mutating func rebase(droppingFirst count: Int) {
        precondition(count >= 0 && count <= position, "BUG: dropping \(count) bytes, \(position) consumed")
        position -= count
        searchedTo = Swift.max(0, searchedTo - count)
    }

    /// The next item of `bytes` from `position`; `isComplete` says no bytes follow these.
    public mutating func next(_ bytes: UnsafeRawBufferPointer, isComplete: Bool) -> Item {
        let n = bytes.count
        if skipping > 0 {
            let dropped = Swift.min(skipping, n - position)
            position += dropped
            skipping -= dropped
            if skipping > 0 { return isComplete ? .end : .needMoreData }
        }
        while position < n, bytes[position] == .lf || bytes[position] == .cr || bytes[position] == .space { position += 1 }
        guard position < n else { return isComplete ? .end : .needMoreData }
        let start = position
        var i = start
        var length = 0
        while i < n, bytes[i].isDigit, i - start < Self.maxDigits {
            length = length * 10 + Int(bytes[i] &- UInt8(ascii: "0"))
            i += 1
        }
        if i == n, !isComplete { return .needMoreData }
        if i < n, bytes[i].isDigit {
            return malformed(bytes, from: start, isComplete, "frame length has more than \(Self.maxDigits) digits")
        }
        guard i > start, i < n, bytes[i] == .space, length > 0 else {
            return malformed(bytes, from: start, isComplete, "frame does not start with a length and a space")
        }
        return frame(bytes, from: start, length: length, messageStart: i + 1, isComplete)
    }

    /// The frame whose header at `start` says `length`, once its count is satisfied and believed.
    private mutating func frame(_ bytes: UnsafeRawBufferPointer, from start: Int, length: Int, messageStart: Int,
                                _ isComplete: Bool) -> Item {
        let end = messageStart + length
        let oversized = length > maxFrameBytes
        // A trusted oversized frame needs only its head; the rest may be anywhere ahead.
        let needed = counts == .trusted && oversized ? start + cut : end
        if needed > bytes.count {
            if !isComplete { return .needMoreData }
            return malformed(bytes, from: start, isComplete, "frame length \(length) runs past the end of the data")
        }
        if counts == .checked {
            switch Self.shape(bytes, at: Self.skipLineEnds(bytes, end), pri: false) {
            case .header: break
            case .cutOff: if !isComplete { return .needMoreData }
            case .other:
                return malformed(bytes, from: start, isComplete, "frame length \(length) does not end where the next frame begins")
            }
        }
        guard oversized else {
            position = end
            return .frame(messageStart..<end)
        }
        // Too long to hold: its first max_frame_bytes are the malformed item, its count skips the rest.
        let head = start + cut
        position = head
        skipping = end - head
        return .malformed(start..<head, reason: "frame of \(length) bytes is over max_frame_bytes (\(maxFrameBytes))")
    }

    /// Marks `start` up to the next line that starts like a frame, cut at `maxFrameBytes`, as malformed.
    private mutating func malformed(_ bytes: UnsafeRawBufferPointer, from start: Int, _ isComplete: Bool,
                                    _ reason: String) -> Item {
        let limit = cut <= bytes.count - start ? start + cut : Int.max
        var i = Swift.max(start + 1, searchedTo)
        search: while i < limit {
            guard i < bytes.count else {
                if isComplete { break search }
                searchedTo = i
                return .needMoreData
            }
            if bytes[i - 1] == .lf {
                switch Self.shape(bytes, at: i, pri: true) {
                case .header: break search
                case .cutOff where !isComplete:
                    searchedTo = i
                    return .needMoreData
                case .other, .cutOff: break
                }
            }
            i += 1
        }
        searchedTo = 0
        position = i
        return .malformed(start..<i, reason: reason)
    }

    /// Digits a frame length may have (RFC 6587 MSG-LEN; 10 keeps the sum far from overflowing).
    private static let maxDigits = 10

    private static func skipLineEnds(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> Int {
        var i = at
        while i < bytes.count, bytes[i] == .lf || bytes[i] == .cr { i += 1 }
        return i
    }

    /// What starts at a position: a frame header, something else, or not known until more bytes come.
    private enum Shape { case header, other, cutOff }

    /// `DIGITS SP` (then `<`, a syslog PRI, with `pri`), the shape of a frame header. Up to 20 digits
    /// count: a length too long to parse still marks where a frame starts, and parsing reports it.
    private static func shape(_ bytes: UnsafeRawBufferPointer, at: Int, pri: Bool) -> Shape {
        var i = at
        while i < bytes.count, bytes[i].isDigit, i - at <= 20 { i += 1 }
        guard i < bytes.count else { return .cutOff }
        guard i > at, i - at <= 20, bytes[i] == .space else { return .other }
        guard pri else { return .header }
        guard i + 1 < bytes.count else { return .cutOff }
        return bytes[i + 1] == UInt8(ascii: "<") ? .header : .other
    }
}

private extension UInt8 {
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")

    var isDigit: Bool { self &- UInt8(ascii: "0") < 10 }
}
