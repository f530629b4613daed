import Pipeline

/// Remembers the series of a target's last scrape so those that vanish get Prometheus' stale
/// marker: a NaN with the bit pattern `0x7ff0000000000002`, which remote-write receivers read as
/// "this series ended".
///
/// It keeps its own copy of the series (name and labels, in two batches it swaps and reuses), so
/// the emitted batch is not shared and downstream stages can change it without a copy.
struct PrometheusScrapeStaleness {
    /// The stale marker value.
    static let staleNaN = Double(bitPattern: 0x7ff0_0000_0000_0002)

    private var previous = MetricBatch(capacity: 0)
    private var next = MetricBatch(capacity: 0)
    private var current = Set<Int>()
    private var scratch: [LabelRecord] = []

    /// Appends stale markers for the series of the last scrape missing from this one, then
    /// remembers this scrape's samples (the first `writer.sampleCount` rows).
    mutating func update(_ writer: inout PrometheusScrapeWriter) {
        current.removeAll(keepingCapacity: true)
        next.removeAll()
        for i in 0..<writer.sampleCount {
            current.insert(Self.key(writer.batch, i))
            next.appendSeries(i, of: writer.batch, value: 0, timestamp: 0, scratch: &scratch)
        }
        for i in 0..<previous.count where !current.contains(Self.key(previous, i)) {
            writer.batch.appendSeries(i, of: previous, value: Self.staleNaN, timestamp: writer.timestamp, scratch: &scratch)
        }
        swap(&previous, &next)
    }

    /// Appends stale markers for every series of the last scrape (the target failed) and forgets them.
    mutating func markAllStale(_ writer: inout PrometheusScrapeWriter) {
        for i in 0..<previous.count {
            writer.batch.appendSeries(i, of: previous, value: Self.staleNaN, timestamp: writer.timestamp, scratch: &scratch)
        }
        previous.removeAll()
    }

    /// A hash of a series' name and labels.
    private static func key(_ batch: MetricBatch, _ index: Int) -> Int {
        var hasher = Hasher()
        batch.withBytes(batch.records[index].name) { hasher.combine(bytes: $0) }
        for label in batch.labels(of: index) {
            hasher.combine(0xff as UInt8)
            batch.withBytes(label.name) { hasher.combine(bytes: $0) }
            hasher.combine(0xfe as UInt8)
            batch.withBytes(label.value) { hasher.combine(bytes: $0) }
        }
        return hasher.finalize()
    }
}

extension MetricBatch {
    /// Appends series `index` of `other` (name, labels, kind) with a new value and timestamp.
    mutating func appendSeries(_ index: Int, of other: MetricBatch, value: Double, timestamp: Int64,
                               scratch: inout [LabelRecord]) {
        scratch.removeAll(keepingCapacity: true)
        for label in other.labels(of: index) {
            let name = other.withBytes(label.name) { store($0) }
            scratch.append(LabelRecord(name: name, value: other.withBytes(label.value) { store($0) }))
        }
        let name = other.withBytes(other.records[index].name) { store($0) }
        append(nameSpan: name, labels: scratch, value: value, timestamp: timestamp, kind: other.records[index].kind)
    }
}
