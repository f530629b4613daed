import Codecs
import NIOCore
import Pipeline

/// The protobuf `PushRequest` (Loki's `pkg/push/push.proto`), uncompressed:
///
/// ```
/// PushRequest   { repeated StreamAdapter streams = 1; }
/// StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
/// EntryAdapter  { google.protobuf.Timestamp timestamp = 1; string line = 2; }
/// Timestamp     { int64 seconds = 1; int32 nanos = 2; }
///
/// 0a len ─ StreamAdapter ─┬─ 0a len {app="web", env="prod"}
///                         └─ 12 len ─ EntryAdapter ─┬─ 0a len 08 <varint s> 10 <varint ns>
///                                                   └─ 12 len <line>
/// ```
/// Each stream's size is computed first, then the stream is written in one reservation of
/// exactly that size through a `RawWriter`, as `RemoteWriteEncoder` does. Zero fields are left
/// out as proto3 encoders do, except the timestamp message, which Loki's own encoder always
/// writes (it is not nullable). Structured metadata (field 3) is never written.
extension LokiEncoder {
    static func writeProtobufStream(_ run: ArraySlice<LokiEntry>, _ streams: LokiStreams, _ lines: ByteBuffer,
                                    _ batches: [LogBatch], into buffer: inout ByteBuffer) {
        let stream = Int(run.first!.stream)
        let labels = streams.length(stream)
        var content = 1 + Varint.size(UInt64(labels)) + labels
        for entry in run {
            let size = entrySize(entry)
            content += 1 + Varint.size(UInt64(size)) + size
        }
        let total = 1 + Varint.size(UInt64(content)) + content
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { space in
            var out = RawWriter(space)
            out.write(0x0A)  // PushRequest.streams
            out.writeVarint(UInt64(content))
            out.write(0x0A)  // StreamAdapter.labels
            out.writeVarint(UInt64(labels))
            streams.withLabels(stream) { out.write($0) }
            for entry in run {
                out.write(0x12)  // StreamAdapter.entries
                out.writeVarint(UInt64(entrySize(entry)))
                let (seconds, nanos) = split(entry.timestamp)
                out.write(0x0A)  // EntryAdapter.timestamp
                out.writeVarint(UInt64(timestampSize(seconds, nanos)))
                if seconds != 0 {
                    out.write(0x08)  // Timestamp.seconds
                    out.writeVarint(UInt64(bitPattern: seconds))
                }
                if nanos != 0 {
                    out.write(0x10)  // Timestamp.nanos
                    out.writeVarint(UInt64(nanos))
                }
                if entry.lineLength > 0 {
                    out.write(0x12)  // EntryAdapter.line
                    out.writeVarint(UInt64(entry.lineLength))
                    withLine(entry, lines, batches) { out.write($0) }
                }
            }
            precondition(out.count == total, "BUG: StreamAdapter size \(total) computed, \(out.count) written")
            return out.count
        }
    }

    /// Unix nanoseconds as `Timestamp` seconds and non-negative nanos (floor division, as Go's `time.Unix`).
    @inline(__always)
    static func split(_ timestamp: Int64) -> (seconds: Int64, nanos: Int64) {
        var seconds = timestamp / 1_000_000_000, nanos = timestamp % 1_000_000_000
        if nanos < 0 {
            seconds -= 1
            nanos += 1_000_000_000
        }
        return (seconds, nanos)
    }

    @inline(__always)
    static func timestampSize(_ seconds: Int64, _ nanos: Int64) -> Int {
        (seconds != 0 ? 1 + Varint.size(UInt64(bitPattern: seconds)) : 0) + (nanos != 0 ? 1 + Varint.size(UInt64(nanos)) : 0)
    }

    /// Bytes of an `EntryAdapter`'s content.
    @inline(__always)
    static func entrySize(_ entry: LokiEntry) -> Int {
        let (seconds, nanos) = split(entry.timestamp)
        let timestamp = timestampSize(seconds, nanos)
        let line = Int(entry.lineLength)
        return 1 + Varint.size(UInt64(timestamp)) + timestamp + (line > 0 ? 1 + Varint.size(UInt64(line)) + line : 0)
    }
}
