import Logging
import NIOConcurrencyHelpers

/// Logs per-event problems at most `burst` times per `period`, then says how many it held back.
public final class RateLimitedLogger: Sendable {
    private struct State {
        var windowStart: ContinuousClock.Instant
        var emitted = 0
        var suppressed = 0
    }

    private let logger: Logger
    private let burst: Int
    private let period: Duration
    private let state: NIOLockedValueBox<State>

    public init(logger: Logger, burst: Int = 5, period: Duration = .seconds(10)) {
        self.logger = logger
        self.burst = burst
        self.period = period
        self.state = NIOLockedValueBox(State(windowStart: .now))
    }

    /// Logs a warning unless the budget of this period is spent.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message) }

    /// Logs an error unless the budget of this period is spent.
    public func error(_ message: @autoclosure () -> String) { log(.error, message) }

    private func log(_ level: Logger.Level, _ message: () -> String) {
        let now = ContinuousClock.now
        let (allowed, heldBack) = state.withLockedValue { s -> (Bool, Int) in
            var heldBack = 0
            if now - s.windowStart >= period {
                heldBack = s.suppressed
                s = State(windowStart: now)
            }
            guard s.emitted < burst else {
                s.suppressed += 1
                return (false, heldBack)
            }
            s.emitted += 1
            return (true, heldBack)
        }
        if heldBack > 0 {
            logger.log(level: level, "\(heldBack) similar messages suppressed in the last \(period.formatted)")
        }
        if allowed { logger.log(level: level, "\(message())") }
    }
}
