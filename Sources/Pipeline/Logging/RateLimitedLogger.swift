import Logging
import NIOConcurrencyHelpers

/// Logs per-event problems at most `burst` times per `period`, then says how many it held back.
public final class RateLimitedLogger: Sendable {
    private struct State {
        /// When the current period began, as time elapsed on the clock since `init`.
        var windowStart: Duration
        var emitted = 0
        var suppressed = 0
    }

    private let logger: Logger
    private let burst: Int
    private let period: Duration
    /// Time elapsed since `init` on the clock the logger was given.
    private let elapsed: @Sendable () -> Duration
    private let state: NIOLockedValueBox<State>

    /// A logger whose periods run on the continuous clock.
    public convenience init(logger: Logger, burst: Int = 5, period: Duration = .seconds(10)) {
        self.init(logger: logger, burst: burst, period: period, clock: ContinuousClock())
    }

    /// A logger whose periods run on `clock` (tests pass one they move by hand).
    public init<C: Clock>(logger: Logger, burst: Int = 5, period: Duration = .seconds(10), clock: C)
    where C.Duration == Duration {
        self.logger = logger
        self.burst = burst
        self.period = period
        let origin = clock.now
        self.elapsed = { origin.duration(to: clock.now) }
        self.state = NIOLockedValueBox(State(windowStart: .zero))
    }

    /// Logs a warning unless the budget of this period is spent.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message) }

    /// Logs an error unless the budget of this period is spent.
    public func error(_ message: @autoclosure () -> String) { log(.error, message) }

    private func log(_ level: Logger.Level, _ message: () -> String) {
        let now = elapsed()
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
