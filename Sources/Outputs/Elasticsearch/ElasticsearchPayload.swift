import Codecs
import NIOCore
import Pipeline

/// One `_bulk` request: its NDJSON lines, where each item's lines end, the events they
/// came from (for the dead-letter file), and the body as sent.
///
///     lines: │ {"index":{…}}\n{"@timestamp":…}\n │ {"index":{…}}\n{…}\n │ …      ends: [212, 431, …]
///
/// `size` is the uncompressed NDJSON (what `http.max_content_length` limits). A subset is
/// made of the items' lines as they are (never encoded again, so ids stay the same) and
/// compressed with the compressor of the lane it is delivered on.
struct ElasticsearchPayload: LogDeliveryPayload {
    /// Where an event lives: its batch in `batches` and its row there.
    struct Entry: Sendable {
        var batch: UInt32
        var index: UInt32
    }

    /// Every item's action and document lines, in order.
    let lines: ByteBuffer
    /// The end of each item in `lines` (relative to its reader index).
    let ends: [Int]
    let batches: [LogBatch]
    let entries: [Entry]
    /// What is sent: `lines` gzip-compressed, or `lines` itself.
    let body: ByteBuffer
    /// The lane's compressor, for subsets; nil with `compression: none` or before `compressed(by:)`.
    let compressor: ElasticsearchCompressor?

    init(lines: ByteBuffer, ends: [Int], batches: [LogBatch], entries: [Entry], compressor: ElasticsearchCompressor?) {
        self.lines = lines
        self.ends = ends
        self.batches = batches
        self.entries = entries
        self.compressor = compressor
        body = compressor?.compress(lines) ?? lines
    }

    var eventCount: Int { ends.count }
    var size: Int { lines.readableBytes }

    /// The same items, compressed by `compressor` (nil: sent as they are).
    func compressed(by compressor: ElasticsearchCompressor?) -> ElasticsearchPayload {
        ElasticsearchPayload(lines: lines, ends: ends, batches: batches, entries: entries, compressor: compressor)
    }

    /// Item `item`'s two lines (a slice, no copy).
    func item(_ item: Int) -> ByteBuffer {
        let start = item == 0 ? 0 : ends[item - 1]
        return lines.getSlice(at: lines.readerIndex + start, length: ends[item] - start)!
    }

    func subset(_ items: [Int]) -> ElasticsearchPayload {
        var out = ByteBufferAllocator().buffer(capacity: items.reduce(0) { $0 + item($1).readableBytes })
        var outEnds: [Int] = []
        outEnds.reserveCapacity(items.count)
        for index in items {
            var lines = item(index)
            out.writeBuffer(&lines)
            outEnds.append(out.readableBytes)
        }
        return ElasticsearchPayload(lines: out, ends: outEnds, batches: batches, entries: items.map { entries[$0] },
                                    compressor: compressor)
    }

    /// The events as NDJSON lines (SPEC §4 form), as they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        let json = EventEncoder(encoding: .json)
        for entry in entries { json.encodeLog(batches[Int(entry.batch)], Int(entry.index), into: &buffer) }
    }
}

/// gzip for the requests of one lane (`Content-Encoding: gzip`, level 1).
///
/// A lane delivers one payload at a time, and a payload's subsets are made on the task
/// delivering it, so each compressor is used by one task at a time.
final class ElasticsearchCompressor: @unchecked Sendable {
    private let gzip = Gzip(level: 1)

    func compress(_ lines: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        gzip.compress(lines, into: &out)
        return out
    }
}
