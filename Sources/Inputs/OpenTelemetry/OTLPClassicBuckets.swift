#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A histogram point as Prometheus classic buckets: ascending finite upper bounds with
/// cumulative counts, closed by `+Inf`.
///
/// Bounds arrive in ascending order but may repeat or go back (an exponential histogram's
/// zero bucket against a negative bucket, bounds beyond `Double`'s range collapsing): a
/// bucket whose bound is not above the last one joins it, and a bucket whose bound is not
/// finite joins the next, so the `le` series stay distinct and increasing.
struct OTLPClassicBuckets: Sendable {
    /// Upper bounds, ascending; the last is `+Inf` once `close` ran.
    private(set) var bounds: [Double] = []
    /// Observations at or below each bound.
    private(set) var cumulative: [UInt64] = []
    private var running: UInt64 = 0

    /// Starts a new point.
    mutating func removeAll() {
        bounds.removeAll(keepingCapacity: true)
        cumulative.removeAll(keepingCapacity: true)
        running = 0
    }

    /// Adds the bucket of `count` observations with upper bound `bound`.
    mutating func add(bound: Double, count: UInt64) {
        running &+= count
        guard bound.isFinite else { return }
        if let last = bounds.last, bound <= last {
            cumulative[cumulative.count - 1] = running
        } else {
            bounds.append(bound)
            cumulative.append(running)
        }
    }

    /// Adds the `+Inf` bucket, holding all `total` observations of the point.
    mutating func close(total: UInt64) {
        bounds.append(.infinity)
        cumulative.append(total)
    }

    /// Adds the buckets of an exponential histogram point: negative buckets (index i covers
    /// `(-base^(i+1), -base^i]`) from the most negative, the zero bucket (`le` the zero
    /// threshold, 0 when unset), then positive buckets (index i covers `(base^i, base^(i+1)]`),
    /// where `base = 2^(2^-scale)`.
    mutating func addExponential(scale: Int, zeroCount: UInt64, zeroThreshold: Double,
                                 negativeOffset: Int, negative: [UInt64], positiveOffset: Int, positive: [UInt64]) {
        let exponentPerIndex = exp2(-Double(scale))
        for k in negative.indices.reversed() {
            add(bound: -exp2(Double(negativeOffset + k) * exponentPerIndex), count: negative[k])
        }
        add(bound: max(zeroThreshold, 0), count: zeroCount)
        for k in positive.indices {
            add(bound: exp2(Double(positiveOffset + k + 1) * exponentPerIndex), count: positive[k])
        }
    }
}
