import Atomics
import Pipeline

/// What every drain connection shares. Touched only on the drain's one event loop, which
/// also makes the input the single producer of its downstream rings.
final class DrainState: @unchecked Sendable {
    let config: HerokuDrainInputConfig
    let parser: LogplexBodyParser
    let metrics: ComponentMetrics
    let log: RateLimitedLogger
    /// Set when `run` starts; until then requests are answered 503.
    var emitter: Emitter?
    /// Set at shutdown: requests are answered 503 so logplex retries elsewhere or later.
    var stopping = false
    var dedupe: FrameIDDeduplicator
    var connections = 0

    let parseErrors: ManagedAtomic<Int>
    let countMismatches: ManagedAtomic<Int>
    let duplicates: ManagedAtomic<Int>

    init(config: HerokuDrainInputConfig, metrics: ComponentMetrics, log: RateLimitedLogger) {
        self.config = config
        self.parser = LogplexBodyParser(maxFrameBytes: config.maxFrameBytes)
        self.metrics = metrics
        self.log = log
        self.dedupe = FrameIDDeduplicator(windowNanoseconds: config.dedupeWindow.nanoseconds)
        parseErrors = metrics.errorCounter("parse")
        countMismatches = metrics.errorCounter("msg_count_mismatch")
        duplicates = metrics.dropCounter("duplicate_frame_id")
    }

    /// Counts a refused request by status (`errors{kind="request_401"}`, …).
    func refused(_ status: Int, _ why: String) {
        metrics.errorCounter("request_\(status)").wrappingIncrement(ordering: .relaxed)
        log.warning("refused drain request with \(status): \(why)")
    }
}
