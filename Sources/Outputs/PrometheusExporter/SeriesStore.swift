import Codecs
import NIOConcurrencyHelpers
import NIOCore
import Pipeline

/// The latest sample of every series, rendered as Prometheus text on demand.
final class SeriesStore: Sendable {
    private struct Series {
        var name: String
        var labels: [(String, String)]
        var value: Double
        var kind: MetricKind
        var updated: Int64
    }

    private let series = NIOLockedValueBox<[String: Series]>([:])

    /// Records every sample of `batch` as its series' latest value.
    func update(_ batch: MetricBatch) {
        let now = WallClock.nanoseconds()
        var updates: [(String, Series)] = []
        updates.reserveCapacity(batch.count)
        for i in 0..<batch.count {
            let name = batch.name(i)
            let labels = batch.labelPairs(i).sorted { $0.0 < $1.0 }
            var key = name
            for (k, v) in labels { key += "\u{0}\(k)\u{0}\(v)" }
            let r = batch.records[i]
            updates.append((key, Series(name: name, labels: labels, value: r.value, kind: r.kind, updated: now)))
        }
        series.withLockedValue { table in
            for (key, s) in updates { table[key] = s }
        }
    }

    /// Drops series last updated before `cutoff` (Unix ns).
    func expire(olderThan cutoff: Int64) {
        series.withLockedValue { table in table = table.filter { $0.value.updated >= cutoff } }
    }

    /// Text format 0.0.4, families sorted by name, one `# TYPE` line per family.
    func render() -> ByteBuffer {
        let all = series.withLockedValue { Array($0.values) }
        let sorted = all.sorted { a, b in
            let fa = family(a), fb = family(b)
            if fa != fb { return fa < fb }
            if a.name != b.name { return a.name < b.name }
            return a.labels.lexicographicallyPrecedes(b.labels) { ($0.0, $0.1) < ($1.0, $1.1) }
        }
        var buffer = ByteBuffer()
        var lastFamily = ""
        for s in sorted {
            let f = family(s)
            if f != lastFamily {
                buffer.writeString("# TYPE \(f) \(s.kind.name)\n")
                lastFamily = f
            }
            PrometheusText.writeSample(name: s.name, labels: s.labels, value: s.value, into: &buffer)
        }
        return buffer
    }

    /// The metric family a series belongs to: summaries and histograms drop their part suffix.
    private func family(_ s: Series) -> String {
        guard s.kind == .summary || s.kind == .histogram else { return s.name }
        for suffix in ["_bucket", "_sum", "_count"] where s.name.hasSuffix(suffix) {
            return String(s.name.dropLast(suffix.count))
        }
        return s.name
    }
}
