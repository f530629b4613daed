import Codecs
import NIOCore
import Pipeline

/// Encodes samples as a remote-write 1.0 `WriteRequest` and snappy-compresses it.
///
/// ```
/// WriteRequest  { repeated TimeSeries timeseries = 1; }
/// TimeSeries    { repeated Label labels = 1; repeated Sample samples = 2; }
/// Label         { string name = 1; string value = 2; }
/// Sample        { double value = 1; int64 timestamp = 2; }   // milliseconds
///
/// 0a len  ─ TimeSeries ─┬─ 0a len 0a 08 "__name__" 12 len <name>   (labels, sorted by name)
///                       ├─ 0a len 0a len <label>  12 len <value>
///                       └─ 12 len 09 <f64 LE> 10 <varint ms>      (samples, by timestamp)
/// ```
/// Every length is known before it is written, so nothing is patched or encoded twice, and
/// each `TimeSeries` is written with one reservation of exactly its size through a raw
/// pointer: `ProtobufWriter`'s call per field measured 1.1 µs per sample, this ~0.1 µs.
/// Zero-valued fields are left out as proto3 encoders do. The protobuf buffer is reused
/// from request to request.
struct RemoteWriteEncoder {
    private var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
    private var head: [LabelRecord] = []
    private var other: [LabelRecord] = []

    init() {
        head.reserveCapacity(32)
        other.reserveCapacity(32)
    }

    /// Encodes `entries` (arranged by `RemoteWriteRequestOrder`) into the reused buffer and
    /// returns the snappy-compressed body and the uncompressed size.
    mutating func encodeCompressed(_ entries: ArraySlice<RemoteWriteEntry>, of batches: [MetricBatch]) -> (body: ByteBuffer, size: Int) {
        encode(entries, of: batches)
        var body = ByteBufferAllocator().buffer(capacity: 0)
        Snappy.compress(buffer, into: &body)
        return (body, buffer.readableBytes)
    }

    /// Encodes `entries` into the reused buffer and returns the protobuf bytes (valid until the next call).
    @discardableResult
    mutating func encode(_ entries: ArraySlice<RemoteWriteEntry>, of batches: [MetricBatch]) -> ByteBuffer {
        buffer.clear()
        var start = entries.startIndex
        while start < entries.endIndex {
            // The runs starting in one batch, under one access to it (entries come in arrival order).
            let batchIndex = entries[start].batch
            RemoteWriteSeries.withArena(batches[Int(batchIndex)]) { arena in
                while start < entries.endIndex, entries[start].batch == batchIndex {
                    // A run: consecutive entries of one series (same hash, same labels).
                    let first = entries[start]
                    var end = start + 1
                    RemoteWriteSeries.canonicalLabels(Int(first.index), arena, into: &head)
                    while end < entries.endIndex, entries[end].hash == first.hash,
                          sameSeries(entries[end], as: first, arena, batches) {
                        end += 1
                    }
                    writeSeries(entries[start..<end], batches, labels: head, arena, batchIndex)
                    start = end
                }
            }
        }
        return buffer
    }

    /// True when `entry` has exactly the labels in `head`, the labels of `first` (whose hash it shares).
    private mutating func sameSeries(_ entry: RemoteWriteEntry, as first: RemoteWriteEntry, _ arena: RemoteWriteSeries.Arena,
                                     _ batches: [MetricBatch]) -> Bool {
        if entry.batch == first.batch {
            let a = arena.records[Int(first.index)], b = arena.records[Int(entry.index)]
            // Rows of one batch sharing their label rows and name are the same series for sure.
            if a.name == b.name, a.labelStart == b.labelStart, a.labelCount == b.labelCount { return true }
        }
        return RemoteWriteSeries.withArena(batches[Int(entry.batch)]) { arenaB in
            if RemoteWriteSeries.sameStoredLabels(Int(first.index), arena, Int(entry.index), arenaB) { return true }
            RemoteWriteSeries.canonicalLabels(Int(entry.index), arenaB, into: &other)
            return RemoteWriteSeries.equal(head, arena, other, arenaB)
        }
    }

    /// The row of `entry`: from `arena` when it is in batch `batchIndex` (the usual case).
    @inline(__always)
    private static func record(_ entry: RemoteWriteEntry, _ batches: [MetricBatch], _ arena: RemoteWriteSeries.Arena,
                        _ batchIndex: UInt32) -> MetricRecord {
        entry.batch == batchIndex ? arena.records[Int(entry.index)] : batches[Int(entry.batch)].records[Int(entry.index)]
    }

    private mutating func writeSeries(_ run: ArraySlice<RemoteWriteEntry>, _ batches: [MetricBatch],
                                      labels: [LabelRecord], _ arena: RemoteWriteSeries.Arena, _ batchIndex: UInt32) {
        var content = 0
        for label in labels {
            content += RemoteWriteSeries.labelField(nameLength: Int(label.name.length), valueLength: Int(label.value.length))
        }
        for entry in run {
            let record = Self.record(entry, batches, arena, batchIndex)
            let sample = RemoteWriteSeries.sampleSize(value: record.value, timestamp: record.timestamp)
            content += 1 + RemoteWriteSeries.varintSize(sample) + sample
        }
        let total = 1 + RemoteWriteSeries.varintSize(content) + content
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { space in
            var out = WireWriter(base: space.baseAddress!)
            out.byte(0x0A)  // WriteRequest.timeseries, length-delimited
            out.varint(UInt64(content))
            for label in labels {
                let name = arena.bytes(label.name), value = arena.bytes(label.value)
                out.byte(0x0A)  // TimeSeries.labels
                out.varint(UInt64(2 + RemoteWriteSeries.varintSize(name.count) + name.count
                                  + RemoteWriteSeries.varintSize(value.count) + value.count))
                out.byte(0x0A)  // Label.name
                out.varint(UInt64(name.count))
                out.bytes(name)
                out.byte(0x12)  // Label.value
                out.varint(UInt64(value.count))
                out.bytes(value)
            }
            for entry in run {
                let record = Self.record(entry, batches, arena, batchIndex)
                out.byte(0x12)  // TimeSeries.samples
                out.varint(UInt64(RemoteWriteSeries.sampleSize(value: record.value, timestamp: record.timestamp)))
                if record.value.bitPattern != 0 {
                    out.byte(0x09)  // Sample.value, fixed64
                    out.fixed64(record.value.bitPattern)
                }
                if record.timestamp != 0 {
                    out.byte(0x10)  // Sample.timestamp, varint
                    out.varint(UInt64(bitPattern: record.timestamp))
                }
            }
            precondition(out.count == total, "BUG: TimeSeries size \(total) computed, \(out.count) written")
            return out.count
        }
    }
}

/// Protobuf wire format written through a raw pointer into space reserved for exactly
/// these bytes (the sizes are computed first), so the hot loop makes no buffer calls.
private struct WireWriter {
    let base: UnsafeMutableRawPointer
    var count = 0

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(v))
    }

    @inline(__always)
    mutating func fixed64(_ value: UInt64) {
        base.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    /// Copies `bytes`; label names and values are short, and up to 16 bytes are moved without
    /// a call to memmove (4–16 as two overlapping words).
    @inline(__always)
    mutating func bytes(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count, to = base + count
        if let from = bytes.baseAddress {
            switch n {
            case 8...16:
                to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
                (to + n - 8).storeBytes(of: from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), as: UInt64.self)
            case 4..<8:
                to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
                (to + n - 4).storeBytes(of: from.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self), as: UInt32.self)
            case 1..<4:
                for i in 0..<n { to.storeBytes(of: from.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self) }
            default:
                to.copyMemory(from: from, byteCount: n)
            }
        }
        count += n
    }
}
