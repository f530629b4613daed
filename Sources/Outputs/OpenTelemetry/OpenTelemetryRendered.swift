import Codecs
import NIOCore

/// One column of `OpenTelemetryRendered`: an encoded message body per event, back to back.
///
///     writer.buffer: │event 0│event 1│event 2│     ends: [31, 58, 90]   hashes (grouping columns)
struct OpenTelemetryColumn {
    /// Where the current event's message is written.
    var writer = ProtobufWriter(buffer: ByteBufferAllocator().buffer(capacity: 16 * 1024))
    private(set) var ends: [Int] = []
    /// The hash of each event's bytes (grouping columns only).
    private(set) var hashes: [UInt64] = []

    /// Ends the current event's message; hashes it when `hashed`.
    mutating func close(hashed: Bool) {
        let start = ends.last ?? 0
        let end = writer.buffer.writerIndex
        if hashed {
            hashes.append(writer.buffer.withUnsafeReadableBytes {
                ByteHash.hash(UnsafeRawBufferPointer(rebasing: $0[start..<end]), seed: 0)
            })
        }
        ends.append(end)
    }

    /// Calls `body` with event `i`'s bytes.
    func withItem<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = i == 0 ? 0 : ends[i - 1]
        return writer.buffer.withUnsafeReadableBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[i]])) }
    }

    /// Bytes of event `i`'s message.
    func length(_ i: Int) -> Int { ends[i] - (i == 0 ? 0 : ends[i - 1]) }

    mutating func removeAll() {
        writer.buffer.clear()
        ends.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
    }
}

/// What each event of the batch being placed becomes, encoded once before it goes to its
/// shard: its record (a `LogRecord` or `NumberDataPoint` body), its outer group (a `Resource`
/// body) and its inner group (an `InstrumentationScope` body, or a metric's kind and name).
///
/// The shards of an output fill one batch at a time on one task, so they share one rendering
/// (and its buffers, reused from batch to batch).
final class OpenTelemetryRendered {
    var records = OpenTelemetryColumn()
    var outer = OpenTelemetryColumn()
    var inner = OpenTelemetryColumn()
    /// The groups charged in this batch (`size(_:)`).
    private var charged = Set<UInt64>()

    /// Ends the current event in every column.
    func closeEvent() {
        records.close(hashed: false)
        outer.close(hashed: true)
        inner.close(hashed: true)
    }

    /// Event `i`'s size in a request, for batching: its record and framing, plus its groups'
    /// bytes the first time each comes in the batch. A group that goes on in a later request
    /// is not charged again there, so that request may come out a little over `max_bytes`
    /// (and the driver splits it).
    func size(_ i: Int) -> Int {
        var size = records.length(i) + 4
        if charged.insert(outer.hashes[i]).inserted { size += outer.length(i) + 8 }
        if charged.insert(ByteHash.mix(outer.hashes[i] &+ inner.hashes[i])).inserted { size += inner.length(i) + 8 }
        return size
    }

    func removeAll() {
        records.removeAll()
        outer.removeAll()
        inner.removeAll()
        charged.removeAll(keepingCapacity: true)
    }
}
