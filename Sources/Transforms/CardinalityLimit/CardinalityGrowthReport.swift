import Codecs
import NIOConcurrencyHelpers
import NIOCore
import Pipeline

/// What `cardinality_limit` shows as `state` in `/v1/components`: its counters and, for the
/// metric names with the most new series (a space-saving counter of `maxMetrics` names), the
/// labels and values that drove the growth.
///
/// The stage updates it once per batch, and only when the batch had new series (admitted or
/// rejected), never per sample; the admin API reads it under the same lock.
final class CardinalityGrowthReport: Sendable {
    /// The stage's counters, as of its last batch.
    struct Counters: Sendable, Equatable {
        /// Series admitted (a series forgotten after a window and seen again counts again).
        var admittedSeries = 0
        /// Distinct series refused over the cap (counted once while remembered).
        var rejectedSeries = 0
        /// Samples of refused series dropped (`action: drop`).
        var droppedSamples = 0
        /// Samples of refused series relabelled into an overflow series (`action: tag`).
        var taggedSamples = 0
        /// Series in the table now, admitted and remembered as rejected.
        var trackedSeries = 0
        /// `by` groups now (besides `__overflow__`).
        var groups = 0
        /// Bytes of the series table.
        var tableBytes = 0
    }

    private struct State: Sendable {
        var counters = Counters()
        var metrics: [CardinalityMetricGrowth] = []
    }

    static let maxMetrics = 16
    static let topValues = 5
    private let box = NIOLockedValueBox(State())

    /// The counters as last published.
    var counters: Counters { box.withLockedValue { $0.counters } }

    /// Publishes `counters`.
    func publish(_ counters: Counters) { box.withLockedValue { $0.counters = counters } }

    /// Counts the new series `fresh` of `view` (sample index, and whether it was rejected).
    func record(_ view: MetricBatchView, _ fresh: [(index: Int32, rejected: Bool)], hash: CardinalitySeriesHash) {
        box.withLockedValue { state in
            for (i, rejected) in fresh {
                let name = view.bytes(view.records[Int(i)].name)
                let m = Self.slot(for: name, hash: hash.value(name), in: &state.metrics)
                state.metrics[m].add(view, Int(i), rejected: rejected, hash: hash)
            }
        }
    }

    /// The entry of metric `name`, taking the least counted one's place when all are in use.
    private static func slot(for name: UnsafeRawBufferPointer, hash: UInt64, in metrics: inout [CardinalityMetricGrowth]) -> Int {
        if let m = metrics.firstIndex(where: { $0.hash == hash }) { return m }
        guard metrics.count == maxMetrics else {
            metrics.append(CardinalityMetricGrowth(hash: hash, name: name))
            return metrics.count - 1
        }
        let least = metrics.indices.min { metrics[$0].count < metrics[$1].count }!
        var fresh = CardinalityMetricGrowth(hash: hash, name: name)
        fresh.count = metrics[least].count
        fresh.error = metrics[least].count
        metrics[least] = fresh
        return least
    }

    /// Writes the report as one JSON object.
    func write(into b: inout ByteBuffer) {
        let state = box.withLockedValue { $0 }
        let c = state.counters
        b.writeStaticString("{")
        for (i, (key, value)) in [("admitted_series", c.admittedSeries), ("rejected_series", c.rejectedSeries),
                                  ("dropped_samples", c.droppedSamples), ("tagged_samples", c.taggedSamples),
                                  ("tracked_series", c.trackedSeries), ("groups", c.groups),
                                  ("table_bytes", c.tableBytes)].enumerated() {
            if i > 0 { b.writeStaticString(",") }
            JSONWriter.writeString(key, into: &b)
            b.writeStaticString(":")
            JSONWriter.writeInt(Int64(value), into: &b)
        }
        b.writeStaticString(",\"metrics\":[")
        for (i, m) in state.metrics.sorted(by: { $0.count - $0.error > $1.count - $1.error }).enumerated() {
            if i > 0 { b.writeStaticString(",") }
            Self.write(m, into: &b)
        }
        b.writeStaticString("]}")
    }

    private static func write(_ m: CardinalityMetricGrowth, into b: inout ByteBuffer) {
        b.writeStaticString("{\"name\":")
        m.name.withUnsafeBytes { JSONWriter.writeString($0, into: &b) }
        b.writeStaticString(",\"new_series\":"); JSONWriter.writeInt(Int64(m.count - m.error), into: &b)
        b.writeStaticString(",\"rejected_series\":"); JSONWriter.writeInt(Int64(m.rejected), into: &b)
        b.writeStaticString(",\"labels\":[")
        for (i, label) in m.labelsByGrowth.enumerated() {
            if i > 0 { b.writeStaticString(",") }
            b.writeStaticString("{\"name\":")
            label.name.withUnsafeBytes { JSONWriter.writeString($0, into: &b) }
            b.writeStaticString(",\"distinct_values\":"); JSONWriter.writeInt(Int64(label.distinct), into: &b)
            b.writeStaticString(",\"top_values\":[")
            for (k, top) in label.values.top(topValues).enumerated() {
                if k > 0 { b.writeStaticString(",") }
                b.writeStaticString("{\"value\":")
                top.value.withUnsafeBytes { JSONWriter.writeString($0, into: &b) }
                b.writeStaticString(",\"series\":"); JSONWriter.writeInt(Int64(top.series), into: &b)
                b.writeStaticString("}")
            }
            b.writeStaticString("]}")
        }
        b.writeStaticString("]}")
    }
}
