import NIOCore
import Pipeline

/// One batch of syslog frames for one write (tcp, tls) or burst of datagrams (udp), and the
/// events they came from (for the dead-letter file).
///
///     frames: │ 47 <13>1 … hello │ 52 <14>1 … world │ …      ends: [50, 105, …]
///
/// The source batches are shared with the inbox copy-on-write and released with the payload.
struct SyslogPayload: LogDeliveryPayload {
    /// Where an event lives: its batch in `batches` and its row there.
    struct Entry: Sendable {
        var batch: UInt32
        var index: UInt32
    }

    /// Every frame, in order.
    let frames: ByteBuffer
    /// The end of each frame in `frames` (relative to its reader index); item i is frame i.
    let ends: [Int]
    let batches: [LogBatch]
    let entries: [Entry]

    var eventCount: Int { ends.count }
    var size: Int { frames.readableBytes }

    /// Frame `item`'s bytes (a slice, no copy).
    func frame(_ item: Int) -> ByteBuffer {
        let start = item == 0 ? 0 : ends[item - 1]
        return frames.getSlice(at: frames.readerIndex + start, length: ends[item] - start)!
    }

    /// The frames at `items`, copied into a payload of their own; nothing is encoded again.
    func subset(_ items: [Int]) -> SyslogPayload {
        var out = ByteBuffer()
        var outEnds: [Int] = []
        outEnds.reserveCapacity(items.count)
        for item in items {
            var frame = frame(item)
            out.writeBuffer(&frame)
            outEnds.append(out.readableBytes)
        }
        return SyslogPayload(frames: out, ends: outEnds, batches: batches, entries: items.map { entries[$0] })
    }

    /// The events as NDJSON lines, as they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        let json = EventEncoder(encoding: .json)
        for entry in entries { json.encodeLog(batches[Int(entry.batch)], Int(entry.index), into: &buffer) }
    }
}
