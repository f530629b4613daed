import Codecs
import NIOCore
import Pipeline

/// Encodes a Loki push body (protobuf or JSON, `LokiEncoder+Protobuf`, `LokiEncoder+JSON`)
/// into a buffer reused from request to request, and compresses it (snappy, gzip or not).
///
/// Entries come in request order (`LokiEntry.requestOrder`): a run of one stream's entries
/// becomes one stream of the body. A line is the event's message (from the batch's arena) or
/// its JSON form (from the payload's `lines`), `lineLength` bytes of it.
struct LokiEncoder {
    let format: LokiFormat
    private var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
    /// Kept for the encoder's life: its zlib state is reset, not rebuilt, per request.
    private let gzip: Gzip?

    init(format: LokiFormat) {
        self.format = format
        gzip = format.compression == .gzip ? Gzip() : nil
    }

    /// Encodes the entries into the reused buffer and returns the body to send and its uncompressed size.
    mutating func encodeCompressed(_ entries: ArraySlice<LokiEntry>, streams: LokiStreams, lines: ByteBuffer,
                                   batches: [LogBatch]) -> (body: ByteBuffer, size: Int) {
        encode(entries, streams: streams, lines: lines, batches: batches)
        var body = ByteBufferAllocator().buffer(capacity: 0)
        switch format.compression {
        case .snappy: Snappy.compress(buffer, into: &body)
        case .gzip: gzip!.compress(buffer, into: &body)
        case .none: body.writeImmutableBuffer(buffer)
        }
        return (body, buffer.readableBytes)
    }

    /// Encodes the entries into the reused buffer and returns the uncompressed body (valid until the next call).
    @discardableResult
    mutating func encode(_ entries: ArraySlice<LokiEntry>, streams: LokiStreams, lines: ByteBuffer,
                         batches: [LogBatch]) -> ByteBuffer {
        buffer.clear()
        if format.encoding == .json { buffer.writeStaticString(#"{"streams":["#) }
        var start = entries.startIndex
        while start < entries.endIndex {
            let stream = entries[start].stream
            var end = start + 1
            while end < entries.endIndex, entries[end].stream == stream { end += 1 }
            switch format.encoding {
            case .protobuf: Self.writeProtobufStream(entries[start..<end], streams, lines, batches, into: &buffer)
            case .json: Self.writeJSONStream(entries[start..<end], first: start == entries.startIndex, streams, lines, batches,
                                             into: &buffer)
            }
            start = end
        }
        if format.encoding == .json { buffer.writeStaticString("]}") }
        return buffer
    }

    /// Calls `body` with the sent bytes of `entry`'s line: from `lines` with `line: json` (it is
    /// empty otherwise, and never empty then), else from the event's message.
    @inline(__always)
    static func withLine<R>(_ entry: LokiEntry, _ lines: ByteBuffer, _ batches: [LogBatch],
                            _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let length = Int(entry.lineLength)
        guard lines.readableBytes == 0 else {
            return lines.withUnsafeReadableBytes { all in
                body(UnsafeRawBufferPointer(rebasing: all[Int(entry.lineOffset)..<Int(entry.lineOffset) + length]))
            }
        }
        return batches[Int(entry.batch)].withMessage(Int(entry.index)) { body(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
    }
}
