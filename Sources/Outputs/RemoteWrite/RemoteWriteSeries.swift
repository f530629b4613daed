import Codecs
import NIOCore
import Pipeline

/// The series of a sample as remote-write sends it: `__name__` plus the sample's labels,
/// sorted by name, empty values dropped, one value per name (PROTOCOLS.md "Prometheus
/// remote-write 1.0").
///
/// `identity` hashes a series without sorting (the label hashes are summed, so label order
/// does not matter); the hash picks the shard and groups samples of one series inside a
/// request. `canonicalLabels` produces the sorted label list when a series is written.
enum RemoteWriteSeries {
    /// Marks the pseudo-label that stands for the metric name in `canonicalLabels`.
    static let nameOffset = UInt32.max
    private static let nameLabel: StaticString = "__name__"

    /// A batch's rows and bytes (`MetricBatchView`), with `__name__` for the name
    /// pseudo-label (valid inside `withArena` only).
    struct Arena {
        let view: MetricBatchView
        var records: UnsafeBufferPointer<MetricRecord> { view.records }

        @inline(__always)
        func bytes(_ span: ByteSpan) -> UnsafeRawBufferPointer {
            if span.offset == RemoteWriteSeries.nameOffset {
                return UnsafeRawBufferPointer(start: RemoteWriteSeries.nameLabel.utf8Start, count: 8)
            }
            return view.bytes(span)
        }

        /// The labels of sample `index`, in stored order.
        @inline(__always)
        func labels(of index: Int) -> UnsafeBufferPointer<LabelRecord> { view.labels(of: index) }
    }

    /// Calls `body` with direct access to `batch`'s rows and bytes (no retain per sample).
    @inline(__always)
    static func withArena<R>(_ batch: MetricBatch, _ body: (Arena) throws -> R) rethrows -> R {
        try MetricBatchView.with(batch) { try body(Arena(view: $0)) }
    }

    /// The series hash of sample `index` and the exact size of the sample encoded as a
    /// `TimeSeries` of its own (an upper bound of what it adds to a request).
    @inline(__always)
    static func identity(_ index: Int, _ arena: Arena) -> (hash: UInt64, size: Int) {
        let record = arena.records[index]
        let name = arena.bytes(record.name)
        var hash = ByteHash.seriesName(name)
        var content = labelField(nameLength: 8, valueLength: name.count)
        for label in arena.labels(of: index) {
            let value = arena.bytes(label.value), labelName = arena.bytes(label.name)
            guard value.count > 0, labelName.count > 0, !isNameLabel(labelName) else { continue }
            hash &+= ByteHash.seriesLabel(name: labelName, value: value)
            content += labelField(nameLength: labelName.count, valueLength: value.count)
        }
        let sample = sampleSize(value: record.value, timestamp: record.timestamp)
        content += 1 + varintSize(sample) + sample
        return (hash, 1 + varintSize(content) + content)
    }

    /// Fills `labels` with sample `index`'s series: name pseudo-label included, sorted by
    /// name (bytewise, as Prometheus sorts), empty names and values dropped, the last value
    /// of a repeated name kept.
    static func canonicalLabels(_ index: Int, _ arena: Arena, into labels: inout [LabelRecord]) {
        labels.removeAll(keepingCapacity: true)
        labels.append(LabelRecord(name: ByteSpan(offset: nameOffset, length: 8), value: arena.records[index].name))
        for label in arena.labels(of: index) where label.value.length > 0 && label.name.length > 0 {
            let name = arena.bytes(label.name)
            if isNameLabel(name) { continue }
            // Insertion sort in place: labels usually arrive sorted, making this one comparison.
            labels.append(label)
            var at = labels.count - 1
            while at > 0 {
                let order = ByteOrder.compare(arena.bytes(labels[at - 1].name), name)
                if order < 0 { break }
                if order == 0 {  // a repeated name: the later value wins
                    labels[at - 1] = label
                    labels.remove(at: at)
                    break
                }
                labels.swapAt(at - 1, at)
                at -= 1
            }
        }
    }

    /// True when samples `a` and `b` carry the same labels in the same stored order (the
    /// common case of one producer); false says nothing.
    @inline(__always)
    static func sameStoredLabels(_ a: Int, _ arenaA: Arena, _ b: Int, _ arenaB: Arena) -> Bool {
        let x = arenaA.labels(of: a), y = arenaB.labels(of: b)
        guard x.count == y.count,
              ByteOrder.equal(arenaA.bytes(arenaA.records[a].name), arenaB.bytes(arenaB.records[b].name)) else { return false }
        for k in 0..<x.count {
            guard ByteOrder.equal(arenaA.bytes(x[k].name), arenaB.bytes(y[k].name)),
                  ByteOrder.equal(arenaA.bytes(x[k].value), arenaB.bytes(y[k].value)) else { return false }
        }
        return true
    }

    /// True when two canonical label lists (possibly of different batches) are equal.
    static func equal(_ a: [LabelRecord], _ arenaA: Arena, _ b: [LabelRecord], _ arenaB: Arena) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard ByteOrder.equal(arenaA.bytes(x.name), arenaB.bytes(y.name)),
                  ByteOrder.equal(arenaA.bytes(x.value), arenaB.bytes(y.value)) else { return false }
        }
        return true
    }

    // MARK: Sizes

    /// Bytes of a `Label` field (tag, length, name and value fields).
    @inline(__always)
    static func labelField(nameLength: Int, valueLength: Int) -> Int {
        let content = 2 + varintSize(nameLength) + nameLength + varintSize(valueLength) + valueLength
        return 1 + varintSize(content) + content
    }

    /// Bytes of a `Sample` message's content; proto3 leaves out zero fields.
    @inline(__always)
    static func sampleSize(value: Double, timestamp: Int64) -> Int {
        (value.bitPattern == 0 ? 0 : 9) + (timestamp == 0 ? 0 : 1 + varintSize(UInt64(bitPattern: timestamp)))
    }

    @inline(__always)
    static func varintSize(_ value: Int) -> Int { varintSize(UInt64(value)) }

    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int { Varint.size(value) }

    // MARK: Bytes

    /// `__name__` as one little-endian word.
    private static let nameWord = UInt64(littleEndian: UnsafeRawPointer(nameLabel.utf8Start).loadUnaligned(as: UInt64.self))

    @inline(__always)
    private static func isNameLabel(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count == 8 && UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)) == nameWord
    }
}
