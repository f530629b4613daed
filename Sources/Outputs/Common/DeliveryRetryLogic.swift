/// How long to wait before the next attempt at one batch: exponential backoff with jitter,
/// honouring `Retry-After`, bounded by `max_duration`.
///
/// Attempt n (1-based) waits a uniform random time in `[d/2, d)`, where
/// `d = min(max_backoff, initial_backoff × 2^(n-1))` ("equal jitter": retries of many
/// batches spread out, yet the wait still grows). A `Retry-After` longer than that wins,
/// up to `retryAfterCap`. With `max_duration` set, the last wait is cut to end at the
/// deadline and the attempt after that gives up.
package struct DeliveryRetryLogic: Sendable {
    /// The `retry:` options.
    package struct Policy: Sendable, Equatable {
        /// The first wait (before jitter).
        package var initialBackoff: Duration
        /// The longest wait the doubling reaches (before jitter).
        package var maxBackoff: Duration
        /// Give up on a batch after retrying this long; zero retries forever.
        package var maxDuration: Duration
        /// The longest `Retry-After` honoured, so a broken receiver cannot stall the output for days.
        package var retryAfterCap: Duration

        package init(initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(30),
                    maxDuration: Duration = .zero, retryAfterCap: Duration = .seconds(300)) {
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxDuration = maxDuration
            self.retryAfterCap = retryAfterCap
        }
    }

    /// What to do after a failed attempt.
    package enum Action: Sendable, Equatable {
        /// Wait `delay`, then make attempt number `attempt` (2 is the first retry).
        case retry(in: Duration, attempt: Int)
        /// `max_duration` is spent: stop retrying this batch.
        case giveUp
    }

    package let policy: Policy
    /// Failed attempts so far.
    package private(set) var failures = 0

    package init(policy: Policy) { self.policy = policy }

    /// The un-jittered wait after failure number `n` (1-based).
    package func backoff(afterFailure n: Int) -> Duration {
        let initial = max(policy.initialBackoff, .milliseconds(1))
        // Doubling past 2^30 only matters when max_backoff is absurdly large; stop there.
        let doublings = min(n - 1, 30)
        let grown = initial * (1 << doublings)
        return min(grown, max(policy.maxBackoff, initial))
    }

    /// Records a failed attempt that started retrying `elapsed` ago (since the first attempt).
    ///
    /// - Parameters:
    ///   - retryAfter: what the receiver asked for, if anything.
    ///   - random: a uniform value in `[0, 1)` for the jitter.
    package mutating func next(retryAfter: Duration?, elapsed: Duration, random: Double) -> Action {
        failures += 1
        if policy.maxDuration > .zero, elapsed >= policy.maxDuration { return .giveUp }
        let full = backoff(afterFailure: failures)
        var wait = full / 2 + full * (min(max(random, 0), 1) / 2)
        if let retryAfter { wait = max(wait, min(retryAfter, policy.retryAfterCap)) }
        if policy.maxDuration > .zero { wait = min(wait, policy.maxDuration - elapsed) }
        return .retry(in: wait, attempt: failures + 1)
    }

    /// Starts over (after a delivery, for the next batch).
    package mutating func reset() { failures = 0 }
}
