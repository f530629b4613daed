import Atomics

/// A Prometheus-style histogram of durations with fixed buckets, updated lock-free.
public final class LatencyHistogram: Sendable {
    /// Upper bounds in seconds (`+Inf` is implicit).
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private let buckets: [ManagedAtomic<Int>] = (0...LatencyHistogram.bounds.count).map { _ in ManagedAtomic(0) }
    private let sumNanoseconds = ManagedAtomic<Int>(0)

    public init() {}

    /// Records one observation.
    public func observe(_ duration: Duration) {
        let seconds = duration.seconds
        let i = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        buckets[i].wrappingIncrement(ordering: .relaxed)
        sumNanoseconds.wrappingIncrement(by: Int(duration.nanoseconds), ordering: .relaxed)
    }

    /// Cumulative bucket counts (the last is `+Inf`, the total count) and the sum in seconds.
    public var snapshot: (cumulative: [Int], sum: Double) {
        var running = 0
        let cumulative = buckets.map { b -> Int in
            running += b.load(ordering: .relaxed)
            return running
        }
        return (cumulative, Double(sumNanoseconds.load(ordering: .relaxed)) / 1e9)
    }
}
