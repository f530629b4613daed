import Atomics
import Pipeline

/// The delivery loop every network output shares: prepare → send → classify → retry,
/// retry a subset, make a side request, split or dead-letter, counting everything.
///
/// ```
/// payload ──size > max_request?──▶ split in halves (in order)
///    │
///    ▼
/// prepare(attempt n) ─▶ send ─▶ classify ─┬─ delivered ─────▶ sent += events
///    ▲                                    ├─ partial ───────▶ sent += delivered items; rejected items ─▶ dead letter;
///    │                                    │                   the retried items are the payload now ─┐
///    │                                    ├─ retry(after:) ─▶ errors{kind}++ ────────────────────────┤
///    │                                    │                                                          ▼
///    ├────────── sleep (jittered backoff or Retry-After; failing is set) ◀───────────────────────────┘
///    │                                    │   max_duration spent ─▶ dead letter, dropped{retry_expired}
///    ├─ at once ◀─ side request done ◀────┼─ sideRequest ───▶ prepare(side) ─▶ send (at most 3 done per payload)
///    │                                    ├─ split ─────────▶ halves, first half first
///                                         └─ reject ────────▶ dead letter, dropped{rejected} += events
/// ```
/// The driver is generic over the output's protocol and the clock it sleeps on, so tests
/// use a fake protocol and a manual clock. `deliver` returns when every part of the
/// payload is delivered or written off, or early when its task is cancelled (shutdown
/// timeout), counting what it abandons as `dropped{shutdown}`. One driver serves every
/// lane of an output; the transport decides whether lanes share a connection.
package struct DeliveryDriver<P: DeliveryProtocol, C: Clock>: Sendable where C.Duration == Duration {
    /// Side requests that may succeed for one payload; a receiver asking again after that is broken.
    package static var maxSideRequests: Int { 3 }

    /// The component's name in messages: `prometheus_remote_write(vm)`.
    package let name: String
    /// The output's protocol: request preparation, classification, side requests.
    package let wire: P
    package let transport: P.Transport
    package let policy: DeliveryRetryLogic.Policy
    /// Payloads whose `size` exceeds this are split before sending.
    package let maxRequestSize: Int
    package let deadLetter: DeliveryDeadLetter
    let metrics: ComponentMetrics
    let log: RateLimitedLogger
    let clock: C
    let random: @Sendable () -> Double
    /// Payloads now between a failed attempt and their end; `failing` is set while any is.
    private let retrying = ManagedAtomic<Int>(0)

    /// - Parameter random: uniform values in `[0, 1)` for backoff jitter.
    package init(name: String, wire: P, transport: P.Transport, policy: DeliveryRetryLogic.Policy,
                maxRequestSize: Int = .max, deadLetter: DeliveryDeadLetter, metrics: ComponentMetrics,
                log: RateLimitedLogger, clock: C, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.name = name
        self.wire = wire
        self.transport = transport
        self.policy = policy
        self.maxRequestSize = maxRequestSize
        self.deadLetter = deadLetter
        self.metrics = metrics
        self.log = log
        self.clock = clock
        self.random = random
    }

    /// How one payload (or part) ended.
    private enum End {
        case done
        /// What was left of the payload (after per-item answers) is to be split.
        case split(P.Payload, DeliveryFailure)
        /// Cancelled with this many of its events undelivered.
        case cancelled(Int)
    }

    /// What follows a failed attempt.
    private enum Step {
        case again, done, cancelled
    }

    /// One payload's way through its attempts.
    private struct Attempts {
        var logic: DeliveryRetryLogic
        let start: C.Instant
        /// Attempts made, the one under way included.
        var count = 0
        /// Side requests that ended `done`.
        var sideRequests = 0
        /// Whether this payload counts in `retrying`.
        var isRetrying = false
    }

    /// What becomes of events a cancelled delivery leaves: counted as `dropped{shutdown}`
    /// (memory buffers), or kept by the caller (a disk buffer keeps the record for the next start).
    package enum Abandoned: Sendable { case dropped, kept }

    /// Delivers `payload`, retrying and splitting as needed; returns when nothing of it is left,
    /// or when cancelled, with the number of events it left undelivered (0 when none).
    @discardableResult
    package func deliver(_ payload: P.Payload, abandoned: Abandoned = .dropped) async -> Int {
        var stack = [payload]  // last is next; halves go on in reverse so the first half goes first
        while let piece = stack.popLast() {
            if piece.size > maxRequestSize, let (first, second) = piece.split() {
                stack.append(second)
                stack.append(first)
                continue
            }
            switch await attempt(piece) {
            case .done:
                continue
            case .split(let left, let failure):
                if let (first, second) = left.split() {
                    stack.append(second)
                    stack.append(first)
                } else {
                    writeOff(left, failure, reason: "rejected")
                }
            case .cancelled(let left):
                let undelivered = stack.reduce(left) { $0 + $1.eventCount }
                if abandoned == .dropped {
                    metrics.dropCounter("shutdown").wrappingIncrement(by: undelivered, ordering: .relaxed)
                    log.error("\(name): stopped before delivering \(undelivered) events to \(transport.endpoint)")
                }
                return undelivered
            }
        }
        return 0
    }

    /// Sends `first` (then what is left of it) until it is delivered, refused or the retry budget is spent.
    private func attempt(_ first: P.Payload) async -> End {
        var piece = first
        var attempts = Attempts(logic: DeliveryRetryLogic(policy: policy), start: clock.now)
        defer {
            if attempts.isRetrying, retrying.wrappingDecrementThenLoad(ordering: .relaxed) == 0 {
                metrics.failing.store(false, ordering: .relaxed)
            }
        }
        while true {
            if Task.isCancelled { return .cancelled(piece.eventCount) }
            attempts.count += 1
            let result = await send(wire.prepare(piece, attempt: attempts.count))
            let step: Step
            switch wire.classify(result, of: piece) {
            case .delivered:
                metrics.sentEvents.wrappingIncrement(by: piece.eventCount, ordering: .relaxed)
                clearFailing(attempts)
                return .done
            case .reject(let failure):
                count(failure)
                writeOff(piece, failure, reason: "rejected")
                return .done
            case .split(let failure):
                count(failure)
                return .split(piece, failure)
            case .retry(let after, let failure):
                count(failure)
                step = await backOff(&attempts, after: after, failure: failure, piece: piece)
            case .partial(let items):
                guard let (rest, failure) = settle(items, of: piece) else {
                    clearFailing(attempts)
                    return .done
                }
                piece = rest
                step = await backOff(&attempts, after: items.retryAfter, failure: failure, piece: piece)
            case .sideRequest(let side, let failure):
                count(failure)
                step = await sideRequest(side, failure, for: piece, &attempts)
            }
            switch step {
            case .again: continue
            case .done: return .done
            case .cancelled: return .cancelled(piece.eventCount)
            }
        }
    }

    /// Makes `side` for `piece`, unless `maxSideRequests` were done already (then `piece` is rejected).
    private func sideRequest(_ side: P.SideRequest, _ failure: DeliveryFailure, for piece: P.Payload,
                             _ attempts: inout Attempts) async -> Step {
        guard attempts.sideRequests < Self.maxSideRequests else {
            var failure = failure
            failure.description += " (still, after \(Self.maxSideRequests) side requests)"
            writeOff(piece, failure, reason: "rejected")
            return .done
        }
        log.warning("\(failure.description); \(side) first")
        metrics.retries.wrappingIncrement(ordering: .relaxed)
        switch wire.classify(side: side, await send(wire.prepare(side: side, for: piece))) {
        case .done:
            attempts.sideRequests += 1
            return .again
        case .retry(let after, let sideFailure):
            count(sideFailure)
            return await backOff(&attempts, after: after, failure: sideFailure, piece: piece)
        case .reject(let sideFailure):
            count(sideFailure)
            writeOff(piece, sideFailure, reason: "rejected")
            return .done
        }
    }

    /// Waits before the next attempt at `piece`, or writes it off once `max_duration` is spent.
    private func backOff(_ attempts: inout Attempts, after: Duration?, failure: DeliveryFailure,
                         piece: P.Payload) async -> Step {
        if Task.isCancelled { return .cancelled }
        if !attempts.isRetrying {
            attempts.isRetrying = true
            retrying.wrappingIncrement(ordering: .relaxed)
        }
        metrics.failing.store(true, ordering: .relaxed)
        switch attempts.logic.next(retryAfter: after, elapsed: attempts.start.duration(to: clock.now), random: random()) {
        case .giveUp:
            writeOff(piece, failure, reason: "retry_expired")
            return .done
        case .retry(let wait, let attempt):
            log.warning("\(failure.description); retry \(attempt) in \(wait.formatted)")
            do { try await clock.sleep(for: wait) } catch { return .cancelled }
            metrics.retries.wrappingIncrement(ordering: .relaxed)
            return .again
        }
    }

    /// Clears `failing` after a delivery, unless some payload is retrying (this one clears it when it ends).
    private func clearFailing(_ attempts: Attempts) {
        if !attempts.isRetrying, retrying.load(ordering: .relaxed) == 0 { metrics.failing.store(false, ordering: .relaxed) }
    }

    /// Sends one request, timing it.
    private func send(_ request: P.Transport.Request) async -> DeliveryResult<P.Transport.Response> {
        let sent = ContinuousClock.now
        let result = await transport.send(request)
        metrics.requestDuration.observe(ContinuousClock.now - sent)
        return result
    }
}
