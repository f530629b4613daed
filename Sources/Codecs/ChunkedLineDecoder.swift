/// Turns an HTTP/1.1 body, fed in pieces as they arrive, into its lines. A chunked body
/// (RFC 9112 §7.1) is decoded first; any other body is taken as it is, to the connection's end.
///
/// ```
/// 1a\r\n                      chunk size in hex (extensions after ';' are ignored)
/// {"timestamp":"…",…}\n\r\n  that many bytes, then CRLF
/// 0\r\n\r\n                   the last chunk, (no) trailers, an empty line
/// ```
public struct ChunkedLineDecoder: Sendable {
    /// Why a body could not be decoded.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case badChunkSize(String)
        case missingChunkEnd

        public var description: String {
            switch self {
            case .badChunkSize(let text): "bad chunk size line \"\(text.prefix(40))\""
            case .missingChunkEnd: "a chunk did not end with CRLF"
            }
        }
    }

    private enum State {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
        case done
    }

    private static let maxSizeLine = 1024
    private let chunked: Bool
    private var state = State.size
    /// Received bytes not decoded yet.
    private var raw: [UInt8] = []
    /// Body bytes of the line in progress.
    private var line: [UInt8] = []

    /// A decoder for a chunked body, or for a plain one read to the connection's end.
    public init(chunked: Bool) { self.chunked = chunked }

    /// True once the last chunk and its trailers have been read.
    public var isDone: Bool { if case .done = state { true } else { false } }

    /// Adds `bytes`; returns the lines they complete, without their `\n`.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        guard chunked else {
            split(bytes, into: &lines)
            return lines
        }
        raw.append(contentsOf: bytes)
        var i = 0
        decoding: while true {
            switch state {
            case .size:
                guard let end = crlf(from: i) else {
                    if raw.count - i > Self.maxSizeLine { throw .badChunkSize(String(decoding: raw[i...], as: UTF8.self)) }
                    break decoding
                }
                let text = String(decoding: raw[i..<end], as: UTF8.self)
                let digits = text.prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" }
                guard let size = Int(digits, radix: 16), size >= 0 else { throw .badChunkSize(text) }
                i = end + 2
                state = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, raw.count - i)
                guard take > 0 else { break decoding }
                split(raw[i..<(i + take)], into: &lines)
                i += take
                state = take == remaining ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard raw.count - i >= 2 else { break decoding }
                guard raw[i] == UInt8(ascii: "\r"), raw[i + 1] == UInt8(ascii: "\n") else { throw .missingChunkEnd }
                i += 2
                state = .size
            case .trailers:
                guard let end = crlf(from: i) else { break decoding }
                if end == i { state = .done }
                i = end + 2
            case .done:
                break decoding
            }
        }
        raw.removeFirst(i)
        return lines
    }

    /// The line left unfinished when the connection ended (a body without chunks may end so).
    public mutating func finish() -> [UInt8]? {
        defer { line = [] }
        return line.isEmpty ? nil : line
    }

    private func crlf(from start: Int) -> Int? {
        var i = start
        while i + 1 < raw.count {
            if raw[i] == UInt8(ascii: "\r"), raw[i + 1] == UInt8(ascii: "\n") { return i }
            i += 1
        }
        return nil
    }

    private mutating func split(_ bytes: some Collection<UInt8>, into lines: inout [[UInt8]]) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(line)
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
            }
        }
    }
}
