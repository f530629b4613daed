import Atomics
import Codecs
import NIOCore
import Pipeline

/// What each event of the batch being placed becomes, worked out once before the events go
/// to their shards: its label string (the stream), its line's length within `max_line_bytes`
/// and, with `line: json`, the line itself.
///
///     labelText: │{app="web"}│{app="db"}│{app="web"}│    labelEnds: [11, 21, 32]
///     lines (json only): │{"timestamp":…}│{"timestamp":…}│…  lineEnds, lineLengths (-1: dropped)
///
/// The shards of an output fill one batch at a time on one task, so they share one rendering
/// (and its buffers, reused from batch to batch).
final class LokiEventRendering {
    let format: LokiFormat
    private var renderer: LokiLabelRenderer
    /// `errors{kind="truncated"}`, `dropped{reason="line_too_long"}`.
    private let truncated: ManagedAtomic<Int>
    private let dropped: ManagedAtomic<Int>
    private let log: RateLimitedLogger?
    private let name: String

    private(set) var labelText: [UInt8] = []
    private(set) var labelEnds: [Int] = []
    /// The NDJSON form of each event (`line: json`), newline left out.
    private(set) var lines = ByteBuffer()
    private(set) var lineEnds: [Int] = []
    /// The bytes of each event's line that are sent; -1 when the event is dropped.
    private(set) var lineLengths: [Int] = []

    init(format: LokiFormat, truncated: ManagedAtomic<Int>, dropped: ManagedAtomic<Int>, log: RateLimitedLogger?, name: String) {
        self.format = format
        renderer = LokiLabelRenderer(labels: format.labels)
        self.truncated = truncated
        self.dropped = dropped
        self.log = log
        self.name = name
    }

    /// Renders every event of `batch`; appends each one's shard key (the hash of its label
    /// string) and its approximate size in the request to `keys`.
    func render(_ batch: LogBatch, keys: inout [(key: UInt64, size: Int)]) {
        labelText.removeAll(keepingCapacity: true)
        labelEnds.removeAll(keepingCapacity: true)
        lineLengths.removeAll(keepingCapacity: true)
        lineEnds.removeAll(keepingCapacity: true)
        lines.clear()
        let json = EventEncoder(encoding: .json)
        var truncatedCount = 0, droppedCount = 0
        for i in 0..<batch.count {
            let start = labelText.count
            renderer.render(batch, i, into: &labelText)
            labelEnds.append(labelText.count)
            let fullLength: Int
            if format.line == .json {
                let lineStart = lines.writerIndex
                json.encodeLog(batch, i, into: &lines)
                lines.moveWriterIndex(to: lines.writerIndex - 1)  // the NDJSON newline
                lineEnds.append(lines.writerIndex)
                fullLength = lines.writerIndex - lineStart
            } else {
                fullLength = Int(batch.records[i].message.length)
            }
            var length = fullLength
            if fullLength > format.maxLineBytes {
                if format.lineTooLong == .drop {
                    length = -1
                    droppedCount += 1
                } else {
                    length = cut(batch, i, to: format.maxLineBytes)
                    truncatedCount += 1
                }
            }
            lineLengths.append(length)
            let key = labelText.withUnsafeBytes { ByteHash.hash(UnsafeRawBufferPointer(rebasing: $0[start...]), seed: 0) }
            // Labels counted per entry (they go once per stream): the estimate stays above the real size.
            keys.append((key, length < 0 ? 0 : length + labelText.count - start + 24))
        }
        if truncatedCount > 0 { truncated.wrappingIncrement(by: truncatedCount, ordering: .relaxed) }
        if droppedCount > 0 {
            dropped.wrappingIncrement(by: droppedCount, ordering: .relaxed)
            log?.error("\(name): dropped \(droppedCount) events with lines over max_line_bytes (\(format.maxLineBytes) bytes)")
        }
    }

    /// The label string of event `i`.
    func withLabels<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = i == 0 ? 0 : labelEnds[i - 1]
        return labelText.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<labelEnds[i]])) }
    }

    /// The sent bytes of event `i`'s JSON line (`line: json`).
    func jsonLine(_ i: Int) -> ByteBuffer {
        let start = i == 0 ? lines.readerIndex : lineEnds[i - 1]
        return lines.getSlice(at: start, length: lineLengths[i])!
    }

    /// The length of event `i`'s line cut to at most `limit` bytes, not inside a UTF-8 character.
    private func cut(_ batch: LogBatch, _ i: Int, to limit: Int) -> Int {
        func boundary(_ bytes: UnsafeRawBufferPointer) -> Int {
            var end = limit
            while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }  // back to a lead byte
            return end
        }
        if format.line == .json {
            let start = i == 0 ? lines.readerIndex : lineEnds[i - 1]
            return lines.withUnsafeReadableBytes { boundary(UnsafeRawBufferPointer(rebasing: $0[(start - lines.readerIndex)...])) }
        }
        return batch.withMessage(i, boundary)
    }
}
