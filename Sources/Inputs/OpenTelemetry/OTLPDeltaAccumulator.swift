import NIOConcurrencyHelpers
import Pipeline

/// Turns OTLP delta points into the cumulative values Prometheus expects: each emitted sample
/// (a counter, a non-monotonic sum, each `le` bucket, `_count` and `_sum` of a histogram) is
/// keyed by the hash of its final name and labels, and its deltas are added up.
///
/// A delta is added once: a point with the same `time_unix_nano` as the last one added to its
/// series is that request sent again (the client retried after a 503, or after a timeout
/// though the first attempt got through) and is not added twice. Otherwise every delta is
/// added, in whatever order they come and whatever their start time (a restarted client's
/// series keeps counting from where it was). The state is bounded: a series not updated for
/// `idleTimeout` is dropped (swept at most once a minute), and past `maxSeries` series the
/// least recently updated are dropped, down to nine tenths of the limit; a dropped series
/// starts again from zero. Series are told apart by a 64-bit hash, so two colliding series
/// would share a total.
///
/// A request's deltas are added in one go once it decoded (`add(_:at:to:)`), so a request
/// found malformed half way through adds nothing.
struct OTLPDeltaAccumulator: Sendable {
    /// A delta sample of a decoded request: its index in the batch (whose value becomes the
    /// running total), its series and its point's time.
    struct Pending: Sendable {
        var sample: Int
        var series: UInt64
        var delta: Double
        var pointTime: UInt64
    }

    /// Most series kept.
    let maxSeries: Int
    /// How long a series is kept without an update, in nanoseconds.
    let idleTimeout: Int64

    private struct Series: Sendable {
        var total: Double
        /// The `time_unix_nano` of the last point added (0 when points had none).
        var pointTime: UInt64
        /// When last updated (unix ns), for `idleTimeout`.
        var updatedAt: Int64
        /// Order of the last update, for dropping the least recently updated.
        var sequence: UInt64
    }

    private var series: [UInt64: Series] = [:]
    private var sequence: UInt64 = 0
    private var lastSweep: Int64 = 0
    private static let sweepInterval: Int64 = 60_000_000_000

    init(maxSeries: Int = 100_000, idleTimeout: Int64 = 3_600_000_000_000) {
        self.maxSeries = maxSeries
        self.idleTimeout = idleTimeout
    }

    /// Number of series held.
    var count: Int { series.count }

    /// Adds `delta`, a point at `pointTime` (its `time_unix_nano`, 0 if none), to the series
    /// `key` at `now` (unix ns); returns its total. A point at the same time as the last one
    /// added is a repeat: the total is returned unchanged.
    private mutating func add(_ delta: Double, to key: UInt64, pointTime: UInt64, at now: Int64) -> Double {
        let before = series[key]
        if let before, pointTime != 0, pointTime == before.pointTime { return before.total }
        sequence += 1
        let total = (before?.total ?? 0) + delta
        series[key] = Series(total: total, pointTime: pointTime, updatedAt: now, sequence: sequence)
        return total
    }

    /// Adds a decoded request's deltas in order, giving each of its samples in `batch` its
    /// series' running total, then drops idle series and those over the limit.
    mutating func add(_ pending: [Pending], at now: Int64, to batch: inout MetricBatch) {
        for p in pending { batch.setValue(p.sample, add(p.delta, to: p.series, pointTime: p.pointTime, at: now)) }
        if now - lastSweep >= Self.sweepInterval {
            lastSweep = now
            series = series.filter { now - $0.value.updatedAt < idleTimeout }
        }
        guard series.count > maxSeries else { return }
        let keep = maxSeries * 9 / 10
        let cutoff = series.values.map(\.sequence).sorted()[series.count - keep - 1]
        series = series.filter { $0.value.sequence > cutoff }
    }
}

/// The delta sums every connection of an `opentelemetry` input shares, behind a lock.
final class OTLPDeltaSums: Sendable {
    private let sums: NIOLockedValueBox<OTLPDeltaAccumulator>

    init(_ accumulator: OTLPDeltaAccumulator = OTLPDeltaAccumulator()) {
        sums = NIOLockedValueBox(accumulator)
    }

    /// Series held.
    var count: Int { sums.withLockedValue { $0.count } }

    /// Adds a decoded request's deltas (see `OTLPDeltaAccumulator.add(_:at:to:)`).
    func add(_ pending: [OTLPDeltaAccumulator.Pending], at now: Int64, to batch: inout MetricBatch) {
        guard !pending.isEmpty else { return }
        sums.withLockedValue { $0.add(pending, at: now, to: &batch) }
    }
}
