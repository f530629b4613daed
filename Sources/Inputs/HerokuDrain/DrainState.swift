import Atomics
import NIOConcurrencyHelpers
import NIOCore
import Pipeline

/// What every drain connection shares, on whichever event loop it runs.
final class DrainState: Sendable {
    let config: HerokuDrainInputConfig
    let parser: LogplexBodyParser
    let metrics: ComponentMetrics
    let log: RateLimitedLogger
    /// Frame ids recently accepted; logplex may retry on another connection, so on another loop.
    let dedupe: NIOLockedValueBox<FrameIDDeduplicator>
    let connections = ManagedAtomic<Int>(0)

    let parseErrors: ManagedAtomic<Int>
    let countMismatches: ManagedAtomic<Int>
    let duplicates: ManagedAtomic<Int>

    init(config: HerokuDrainInputConfig, metrics: ComponentMetrics, log: RateLimitedLogger) {
        self.config = config
        self.parser = LogplexBodyParser(maxFrameBytes: config.maxFrameBytes)
        self.metrics = metrics
        self.log = log
        self.dedupe = NIOLockedValueBox(FrameIDDeduplicator(windowNanoseconds: config.dedupeWindow.nanoseconds))
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
