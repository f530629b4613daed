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

    /// Text format 0.0.4: families sorted by name, each with `# HELP` (its name, as the
    /// pipeline gives no description) and `# TYPE`; within a family the series of one label
    /// set stay together, their buckets (`le`) and quantiles in increasing numeric order.
    func render() -> ByteBuffer {
        let all = series.withLockedValue { Array($0.values) }
        let sorted = all.sorted { a, b in
            let fa = family(a), fb = family(b)
            if fa != fb { return fa < fb }
            let la = a.labels.filter { !Self.isBound($0.0) }, lb = b.labels.filter { !Self.isBound($0.0) }
            if !la.elementsEqual(lb, by: ==) { return la.lexicographicallyPrecedes(lb) { ($0.0, $0.1) < ($1.0, $1.1) } }
            if a.name != b.name { return a.name < b.name }
            return Self.bound(a) < Self.bound(b)
        }
        var buffer = ByteBuffer()
        var lastFamily = ""
        for s in sorted {
            let f = family(s)
            if f != lastFamily {
                buffer.writeString("# HELP \(f) \(f)\n# TYPE \(f) \(s.kind.name)\n")
                lastFamily = f
            }
            PrometheusText.writeSample(name: s.name, labels: s.labels, value: s.value, into: &buffer)
        }
        return buffer
    }

    /// `le` of a bucket, `quantile` of a summary: ordered by value, not as text.
    private static func isBound(_ label: String) -> Bool { label == "le" || label == "quantile" }

    /// The numeric bucket bound or quantile of `s` (`+Inf` last), or -infinity without one.
    private static func bound(_ s: Series) -> Double {
        guard let text = s.labels.first(where: { isBound($0.0) })?.1 else { return -.infinity }
        return Double(text) ?? .infinity
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
