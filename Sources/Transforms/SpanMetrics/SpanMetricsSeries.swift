import Codecs
import Pipeline

/// The series `span_metrics` keeps: one per label set, found by a 64-bit hash of the label
/// values' bytes, each with its call count and latency histogram, cumulative from the first
/// span.
///
/// Label strings are made once, when a series is first seen; a span of a known series costs
/// a hash, a dictionary lookup and a few additions.
struct SpanMetricsSeries {
    /// The labels every series has, before the dimensions.
    static let fixedLabels = ["service", "span_name", "span_kind", "status_code"]
    /// The label of the one series that takes spans of label sets over `max_series`.
    static let overflowLabel = "cardinality_overflow"

    struct Series {
        /// Label name/value pairs, sorted by name.
        var labels: [(String, String)]
        var calls: UInt64 = 0
        /// Per bucket (non-cumulative; +Inf last).
        var buckets: [UInt64]
        var sum: Double = 0
        /// Unix ns of the last span counted.
        var lastSeen: Int64
    }

    let bounds: [Double]
    let maxSeries: Int
    private(set) var series: [Series] = []
    private var index: [UInt64: Int] = [:]
    private var overflow: Int?

    init(bounds: [Double], maxSeries: Int) {
        self.bounds = bounds
        self.maxSeries = maxSeries
    }

    /// True when a span keyed `key` would start a new series: its labels are needed.
    func needsLabels(key: UInt64) -> Bool {
        index[key] == nil && series.count - (overflow == nil ? 0 : 1) < maxSeries
    }

    /// Counts one span of `seconds` in the series whose label values hash to `key`; `labels`
    /// are its labels when the series is new (`needsLabels`). Returns false when the span went
    /// to the overflow series (over `max_series`).
    mutating func count(key: UInt64, seconds: Double, now: Int64, labels: [(String, String)]) -> Bool {
        if let i = index[key] {
            add(i, seconds: seconds, now: now)
            return true
        }
        guard series.count - (overflow == nil ? 0 : 1) < maxSeries else {
            let i = overflow ?? append([(Self.overflowLabel, "true")], now: now)
            overflow = i
            add(i, seconds: seconds, now: now)
            return false
        }
        let i = append(labels, now: now)
        index[key] = i
        add(i, seconds: seconds, now: now)
        return true
    }

    /// Forgets the series no span updated since `cutoff` (Unix ns).
    mutating func expire(before cutoff: Int64) {
        guard series.contains(where: { $0.lastSeen < cutoff }) else { return }
        var kept: [Series] = []
        var remap: [Int: Int] = [:]
        for (i, s) in series.enumerated() where s.lastSeen >= cutoff {
            remap[i] = kept.count
            kept.append(s)
        }
        series = kept
        index = index.compactMapValues { remap[$0] }
        overflow = overflow.flatMap { remap[$0] }
    }

    /// Appends every series as samples stamped `timestamp` (Unix ms): `calls_total`, and the
    /// latency histogram's `_bucket` (cumulative), `_sum` and `_count`.
    func write(namespace: String, timestamp: Int64, into batch: inout MetricBatch) {
        let calls = namespace + "_calls_total", bucket = namespace + "_latency_bucket"
        let sum = namespace + "_latency_sum", count = namespace + "_latency_count"
        let les = bounds.map(\.labelValue) + ["+Inf"]
        for s in series {
            batch.append(name: calls, labels: s.labels, value: Double(s.calls), timestamp: timestamp, kind: .counter)
            var cumulative: UInt64 = 0
            for (b, le) in les.enumerated() {
                cumulative += s.buckets[b]
                batch.append(name: bucket, labels: Self.withLe(s.labels, le), value: Double(cumulative), timestamp: timestamp,
                             kind: .histogram)
            }
            batch.append(name: sum, labels: s.labels, value: s.sum, timestamp: timestamp, kind: .histogram)
            batch.append(name: count, labels: s.labels, value: Double(s.calls), timestamp: timestamp, kind: .histogram)
        }
    }

    private mutating func append(_ labels: [(String, String)], now: Int64) -> Int {
        series.append(Series(labels: labels, buckets: Array(repeating: 0, count: bounds.count + 1), lastSeen: now))
        return series.count - 1
    }

    private mutating func add(_ i: Int, seconds: Double, now: Int64) {
        series[i].calls += 1
        series[i].sum += seconds
        series[i].lastSeen = now
        let b = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        series[i].buckets[b] += 1
    }

    /// `labels` with `le` in its sorted place.
    private static func withLe(_ labels: [(String, String)], _ le: String) -> [(String, String)] {
        var out = labels
        let at = out.firstIndex { $0.0 > "le" } ?? out.count
        out.insert(("le", le), at: at)
        return out
    }
}
