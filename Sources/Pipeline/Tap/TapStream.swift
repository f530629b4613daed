import Codecs
import NIOCore

/// Writes one tap's body for `GET /v1/tap/{id}`: NDJSON, one event per line (SPEC §4).
///
/// ```
/// {"timestamp":"…","message":"…",…}     events, as the component sent them
/// {"tap":{"skipped":120}}                 before the next events, when the reader fell behind
/// {"timestamp":"…","message":"…",…}
/// {"tap":{"events":10,"skipped":120}}     last: at the limit, or when the tap ended
/// ```
enum TapStream {
    /// Streams `subscription` of `point` until `limit` events were written, the tap ends or
    /// the writer's task is cancelled (the server is stopping), then writes the totals
    /// line; returns early when the client is gone. The tap is closed when it returns.
    static func run(_ subscription: TapSubscription, of point: TapPoint, limit: Int?,
                    writer: SimpleHTTPServer.ChunkWriter) async {
        defer { point.unsubscribe(subscription) }
        var sent = 0
        while sent < limit ?? .max, let delivery = await subscription.next() {
            var out: [ByteBuffer] = []
            if delivery.skipped > 0 { out.append(noticeLine(skipped: delivery.skipped)) }
            for (bytes, events) in delivery.chunks {
                let room = (limit ?? .max) - sent
                guard room > 0 else { break }
                out.append(events <= room ? bytes : firstLines(room, of: bytes))
                sent += min(events, room)
            }
            do { try await writer.write(out) } catch { return }
        }
        try? await writer.write(totalsLine(events: sent, skipped: subscription.skippedTotal))
    }

    /// `{"tap":{"skipped":N}}`
    static func noticeLine(skipped: Int) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeStaticString("{\"tap\":{\"skipped\":"); JSONWriter.writeInt(Int64(skipped), into: &b)
        b.writeStaticString("}}\n")
        return b
    }

    /// `{"tap":{"events":E,"skipped":S}}`
    static func totalsLine(events: Int, skipped: Int) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeStaticString("{\"tap\":{\"events\":"); JSONWriter.writeInt(Int64(events), into: &b)
        b.writeStaticString(",\"skipped\":"); JSONWriter.writeInt(Int64(skipped), into: &b)
        b.writeStaticString("}}\n")
        return b
    }

    /// The first `count` lines of `bytes` (JSON strings escape newlines: one line per event).
    static func firstLines(_ count: Int, of bytes: ByteBuffer) -> ByteBuffer {
        var seen = 0
        let view = bytes.readableBytesView
        guard let end = view.firstIndex(where: { byte in
            if byte == UInt8(ascii: "\n") { seen += 1 }
            return seen == count
        }) else { return bytes }
        return bytes.getSlice(at: bytes.readerIndex, length: end - view.startIndex + 1)!
    }
}
