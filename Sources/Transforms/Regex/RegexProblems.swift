import Atomics
import Pipeline

/// Counts and logs (rate-limited) what `regex` could not do; never stops the stage.
struct RegexProblems: Sendable {
    /// Values that did not convert to their group's type (`errors{kind="type"}`).
    let typeErrors: ManagedAtomic<Int>
    /// Matches stopped by the match or depth limit (`errors{kind="match_limit"}`).
    let matchLimits: ManagedAtomic<Int>
    let log: RateLimitedLogger

    init(metrics: ComponentMetrics, log: RateLimitedLogger) {
        typeErrors = metrics.errorCounter("type")
        matchLimits = metrics.errorCounter("match_limit")
        self.log = log
    }

    func typeError(group: String, type: RegexFieldType) {
        typeErrors.wrappingIncrement(ordering: .relaxed)
        log.warning("group '\(group)' is not a \(type.rawValue); kept as text")
    }

    func matchLimitHit(pattern: String) {
        matchLimits.wrappingIncrement(ordering: .relaxed)
        log.warning("pattern \(pattern) hit the match limit; event passed on unparsed")
    }
}
