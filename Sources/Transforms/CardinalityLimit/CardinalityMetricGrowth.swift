import Codecs
import Pipeline

/// What the new series of one metric name looked like: per label name (the first
/// `maxLabels` seen) how many distinct values it took and which values were most common.
struct CardinalityMetricGrowth: Sendable {
    struct Label: Sendable {
        var name: [UInt8]
        var distinct = CardinalityDistinctCount()
        var values = CardinalityTopValues()
    }

    static let maxLabels = 8
    var hash: UInt64
    var name: [UInt8]
    /// New series counted for this name (space-saving: may include `error` inherited ones).
    var count = 0
    var error = 0
    /// Of those, rejected over the cap.
    var rejected = 0
    var labels: [Label] = []

    init(hash: UInt64, name: UnsafeRawBufferPointer) {
        self.hash = hash
        self.name = Array(name)
    }

    /// Counts new series `i` of `view` (`rejected` when over the cap).
    mutating func add(_ view: MetricBatchView, _ i: Int, rejected: Bool, hash: CardinalitySeriesHash) {
        count += 1
        if rejected { self.rejected += 1 }
        for label in view.labels(of: i) {
            let name = view.bytes(label.name)
            var l = labels.firstIndex { label in label.name.withUnsafeBytes { ByteOrder.equal(name, $0) } }
            if l == nil, labels.count < Self.maxLabels {
                labels.append(Label(name: Array(name)))
                l = labels.count - 1
            }
            guard let l else { continue }
            let value = view.bytes(label.value)
            let h = hash.value(value)
            labels[l].distinct.add(h)
            labels[l].values.add(h, value)
        }
    }

    /// The labels, the one with the most distinct values first.
    var labelsByGrowth: [(name: [UInt8], distinct: Int, values: CardinalityTopValues)] {
        labels.map { ($0.name, $0.distinct.estimate, $0.values) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.lexicographicallyPrecedes($1.0) }
    }
}
