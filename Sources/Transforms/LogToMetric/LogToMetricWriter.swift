import Pipeline

/// Writes `log_to_metric` series as samples, in batches of at most `batchLimit` samples.
///
///     counter     NAME{labels} total
///     gauge       NAME{labels} value
///     histogram   NAME_bucket{labels,le="…"} … {le="+Inf"}, NAME_sum, NAME_count (cumulative)
struct LogToMetricWriter {
    static let batchLimit = 4096

    private var batches: [MetricBatch] = []
    private var batch = MetricBatch(capacity: 64)
    private var labels: [LabelRecord] = []
    private var withLe: [LabelRecord] = []
    private var name: [UInt8] = []

    /// Writes the current samples of `series`, stamped at `timestamp` (Unix ns), whose key is
    /// `[rule lo][rule hi]` then each label value of `rule` as `[len lo][len hi][bytes]`.
    mutating func write(_ series: LogToMetricSeries, rule: LogToMetricRule, key: [UInt8], timestamp: Int64) {
        let ms = timestamp / 1_000_000
        labels.removeAll(keepingCapacity: true)
        var at = 2
        var beforeLe = 0
        for label in rule.labels {
            let range = SeriesKeyLabelValue.range(in: key, at: at)
            if !range.isEmpty {
                let value = key.withUnsafeBytes { batch.store(UnsafeRawBufferPointer(rebasing: $0[range])) }
                labels.append(LabelRecord(name: batch.store(label.name), value: value))
                if Array(label.name.utf8).lexicographicallyPrecedes(Array("le".utf8)) { beforeLe += 1 }
            }
            at = range.upperBound
        }
        switch rule.kind {
        case .counter:
            append(rule.name, "", labels, value: series.value, ms, .counter)
        case .gauge:
            append(rule.name, "", labels, value: series.value, ms, .gauge)
        case .histogram:
            let le = batch.store("le")
            var cumulative: UInt64 = 0
            for (b, n) in series.buckets.enumerated() {
                cumulative += n
                let bound = b < rule.buckets.count ? rule.buckets[b].labelValue : "+Inf"
                withLe.removeAll(keepingCapacity: true)
                withLe.append(contentsOf: labels[..<beforeLe])
                withLe.append(LabelRecord(name: le, value: batch.store(bound)))
                withLe.append(contentsOf: labels[beforeLe...])
                append(rule.name, "_bucket", withLe, value: Double(cumulative), ms, .histogram)
            }
            append(rule.name, "_sum", labels, value: series.sum, ms, .histogram)
            append(rule.name, "_count", labels, value: Double(series.count), ms, .histogram)
        }
        if batch.count >= Self.batchLimit {
            batches.append(batch)
            batch = MetricBatch(capacity: 64)
        }
    }

    /// Every batch written; the writer is empty afterwards.
    mutating func take() -> [MetricBatch] {
        if !batch.isEmpty { batches.append(batch) }
        batch = MetricBatch(capacity: 0)
        defer { batches = [] }
        return batches
    }

    private mutating func append(_ base: String, _ suffix: StaticString, _ labels: [LabelRecord], value: Double,
                                 _ ms: Int64, _ kind: MetricKind) {
        name.removeAll(keepingCapacity: true)
        name.append(contentsOf: base.utf8)
        name.append(contentsOf: UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount))
        let nameSpan = name.withUnsafeBytes { batch.store($0) }
        batch.append(nameSpan: nameSpan, labels: labels, value: value, timestamp: ms, kind: kind)
    }
}
