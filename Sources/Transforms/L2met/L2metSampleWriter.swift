import Pipeline

/// Writes flushed l2met cells as metric samples, in batches of at most `batchLimit` samples.
///
/// Per series and window, at the timestamp the transform gives (a closed window's end):
///
///     measure   NAME_count, NAME_sum (summary, cumulative), NAME{quantile="…"} (per window),
///               NAME_min, NAME_max (gauges, per window)
///     measure   NAME_bucket{le="…"} … {le="+Inf"}, NAME_sum, NAME_count (histogram, cumulative)
///       with buckets
///     count     NAME_total (counter, cumulative)
///     sample    NAME (gauge, last value)
///     unique    NAME (gauge, distinct values)
struct L2metSampleWriter {
    static let batchLimit = 4096

    let labels: L2metLabels
    let quantiles: [Double]
    let quantileValues: [[UInt8]]
    /// `le` values of the buckets, `+Inf` last.
    let bucketValues: [[UInt8]]

    private(set) var batches: [MetricBatch] = []
    private var batch = MetricBatch(capacity: 256)
    /// Spans of label names already in `batch`'s arena.
    private var slotNames: [ByteSpan?]
    private var quantileName: ByteSpan?
    private var leName: ByteSpan?
    private var seriesLabels: [LabelRecord] = []
    private var withExtra: [LabelRecord] = []
    private var name: [UInt8] = []
    private var beforeQuantile = 0
    private var beforeLe = 0

    init(labels: L2metLabels, quantiles: [Double], bounds: [Double]) {
        self.labels = labels
        self.quantiles = quantiles
        quantileValues = quantiles.map { Array($0.labelValue.utf8) }
        bucketValues = bounds.map { Array($0.labelValue.utf8) } + [Array("+Inf".utf8)]
        slotNames = Array(repeating: nil, count: labels.names.count)
    }

    /// Writes the samples of one series for one window, stamped at `timestamp` (Unix ns).
    mutating func write(_ series: L2metSeries, key: [UInt8], cell: inout L2metCell, timestamp: Int64) {
        let ms = timestamp / 1_000_000
        prepareLabels(key, from: series.labelStart)
        let base = key[1..<(series.labelStart - 1)]
        switch series.kind {
        case .count:
            sample(base, "", value: series.sum, ms, .counter)
        case .sample:
            sample(base, "", value: cell.last, ms, .gauge)
        case .unique:
            sample(base, "", value: Double(cell.uniques.count), ms, .gauge)
        case .measure where !series.buckets.isEmpty:
            var cumulative: UInt64 = 0
            for (b, n) in series.buckets.enumerated() {
                cumulative += n
                sample(base, "_bucket", extra: .le(b), value: Double(cumulative), ms, .histogram)
            }
            sample(base, "_sum", value: series.sum, ms, .histogram)
            sample(base, "_count", value: Double(series.count), ms, .histogram)
        case .measure:
            sample(base, "_count", value: Double(series.count), ms, .summary)
            sample(base, "_sum", value: series.sum, ms, .summary)
            cell.values.sort()
            for (q, quantile) in quantiles.enumerated() {
                let value = Self.nearestRank(cell.values, quantile)
                sample(base, "", extra: .quantile(q), value: value, ms, .summary)
            }
            sample(base, "_min", value: cell.min, ms, .gauge)
            sample(base, "_max", value: cell.max, ms, .gauge)
        }
        if batch.count >= Self.batchLimit { rotate() }
    }

    /// Every batch written, the last one included; the writer is empty afterwards.
    mutating func take() -> [MetricBatch] {
        rotate()
        defer { batches = [] }
        return batches
    }

    /// l2met's percentile: sorted `v[floor(q·n)]` clamped to the last index, no interpolation
    /// (median = `v[n/2]`; 1…100 gives p95 = 96, p99 = 100).
    static func nearestRank(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let x = q * Double(sorted.count)
        // 0.29 × 100 is 28.999…96 in binary: snap products that are integers up to rounding.
        let k = abs(x - x.rounded()) < 1e-9 ? Int(x.rounded()) : Int(x.rounded(.down))
        return sorted[min(max(k, 0), sorted.count - 1)]
    }

    private enum Extra { case none, quantile(Int), le(Int) }

    private mutating func prepareLabels(_ key: [UInt8], from start: Int) {
        let dynamic = L2metLabels.decode(key, from: start)
        seriesLabels.removeAll(keepingCapacity: true)
        beforeQuantile = 0
        beforeLe = 0
        for slot in labels.names.indices {
            let valueSpan: ByteSpan
            if let d = labels.dynamicOfSlot[slot], !dynamic[d.rawValue].isEmpty {
                valueSpan = key.withUnsafeBytes { batch.store(UnsafeRawBufferPointer(rebasing: $0[dynamic[d.rawValue]])) }
            } else if let value = labels.staticValues[slot] {
                valueSpan = value.withUnsafeBytes { batch.store($0) }
            } else {
                continue
            }
            if slotNames[slot] == nil { slotNames[slot] = labels.names[slot].withUnsafeBytes { batch.store($0) } }
            seriesLabels.append(LabelRecord(name: slotNames[slot]!, value: valueSpan))
            if labels.beforeQuantile[slot] { beforeQuantile += 1 }
            if labels.beforeLe[slot] { beforeLe += 1 }
        }
    }

    private mutating func sample(_ base: ArraySlice<UInt8>, _ suffix: StaticString, extra: Extra = .none,
                                 value: Double, _ ms: Int64, _ kind: MetricKind) {
        name.removeAll(keepingCapacity: true)
        name.append(contentsOf: base)
        name.append(contentsOf: UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount))
        let nameSpan = name.withUnsafeBytes { batch.store($0) }
        switch extra {
        case .none:
            batch.append(nameSpan: nameSpan, labels: seriesLabels, value: value, timestamp: ms, kind: kind)
        case .quantile(let q):
            if quantileName == nil { quantileName = batch.store("quantile") }
            let v = quantileValues[q].withUnsafeBytes { batch.store($0) }
            appendWithExtra(nameSpan, LabelRecord(name: quantileName!, value: v), at: beforeQuantile, value, ms, kind)
        case .le(let b):
            if leName == nil { leName = batch.store("le") }
            let v = bucketValues[b].withUnsafeBytes { batch.store($0) }
            appendWithExtra(nameSpan, LabelRecord(name: leName!, value: v), at: beforeLe, value, ms, kind)
        }
    }

    private mutating func appendWithExtra(_ nameSpan: ByteSpan, _ label: LabelRecord, at position: Int,
                                          _ value: Double, _ ms: Int64, _ kind: MetricKind) {
        withExtra.removeAll(keepingCapacity: true)
        withExtra.append(contentsOf: seriesLabels[..<position])
        withExtra.append(label)
        withExtra.append(contentsOf: seriesLabels[position...])
        batch.append(nameSpan: nameSpan, labels: withExtra, value: value, timestamp: ms, kind: kind)
    }

    private mutating func rotate() {
        guard !batch.isEmpty else { return }
        batches.append(batch)
        batch = MetricBatch(capacity: 256)
        for i in slotNames.indices { slotNames[i] = nil }
        quantileName = nil
        leName = nil
    }
}
