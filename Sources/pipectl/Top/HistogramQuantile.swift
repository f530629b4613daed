/// Quantiles estimated from cumulative histogram buckets, as Prometheus'
/// `histogram_quantile` does: find the bucket holding the rank, then interpolate linearly
/// inside it (the first bucket starts at 0). A rank in the `+Inf` bucket answers the
/// highest finite bound, so the estimate never exceeds it.
enum HistogramQuantile {
    /// The `q` quantile (0...1) of the observations between two readings of one histogram
    /// (`earlier` nil: since the histogram started); nil when there are none. A count that
    /// went down means the pipeline restarted, so `later` alone is used.
    static func estimate(_ q: Double, earlier: RequestHistogram?, later: RequestHistogram) -> Double? {
        var cumulative = later.buckets.map { $0.count > 1 ? $0[1] : 0 }
        var total = Double(later.count)
        if let earlier, earlier.count <= later.count, earlier.buckets.count == later.buckets.count {
            cumulative = zip(cumulative, earlier.buckets).map { $0 - ($1.count > 1 ? $1[1] : 0) }
            total -= Double(earlier.count)
        }
        return estimate(q, bounds: later.buckets.map { $0.first ?? 0 }, cumulative: cumulative, total: total)
    }

    /// The `q` quantile of `total` observations whose cumulative counts at `bounds` are `cumulative`.
    static func estimate(_ q: Double, bounds: [Double], cumulative: [Double], total: Double) -> Double? {
        guard total > 0, !bounds.isEmpty, bounds.count == cumulative.count else { return nil }
        let rank = q * total
        guard let i = cumulative.firstIndex(where: { $0 >= rank }) else { return bounds.last }
        let lower = i == 0 ? 0 : bounds[i - 1]
        let below = i == 0 ? 0 : cumulative[i - 1]
        let inBucket = cumulative[i] - below
        guard inBucket > 0 else { return bounds[i] }
        return lower + (bounds[i] - lower) * (rank - below) / inBucket
    }
}
