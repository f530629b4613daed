import Atomics
import Pipeline

/// Counts and logs (rate-limited) what a metric-producing transform (`l2met`,
/// `log_to_metric`) skips: values that are no numbers, new series over `max_series`.
/// Never stops the stage.
struct MetricTransformProblems: Sendable {
    /// `max_series` drops (the component's `max_series` drop counter).
    let droppedSeries: ManagedAtomic<Int>
    /// Values that are not numbers (the component's `invalid_value` error counter).
    let invalidValues: ManagedAtomic<Int>
    let log: RateLimitedLogger
    let maxSeries: Int

    init(metrics: ComponentMetrics, log: RateLimitedLogger, maxSeries: Int) {
        droppedSeries = metrics.dropCounter("max_series")
        invalidValues = metrics.errorCounter("invalid_value")
        self.log = log
        self.maxSeries = maxSeries
    }

    /// A new series was refused because `max_series` series exist.
    func seriesDropped(_ name: @autoclosure () -> String) {
        droppedSeries.wrappingIncrement(ordering: .relaxed)
        log.warning("max_series (\(maxSeries)) reached: dropped a value of new series \(name())")
    }

    /// A value was not a number (or, `reason`, not usable).
    func invalidValue(_ what: @autoclosure () -> String, reason: String = "not a number") {
        invalidValues.wrappingIncrement(ordering: .relaxed)
        log.warning("skipped \(what()): \(reason)")
    }
}
