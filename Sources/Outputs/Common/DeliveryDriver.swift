import Atomics
import Pipeline

/// The delivery loop every network output shares: send → classify → retry or split or
/// dead-letter, counting everything.
///
/// ```
/// payload ──size > max_request?──▶ split in halves (in order)
///    │
///    ▼
/// transport.send ─▶ classify ─┬─ delivered ─────────▶ sent_events += n, failing = false
///                             ├─ retry(after:) ─────▶ errors{kind}++, failing while any payload retries,
///                             │                       sleep (backoff / Retry-After), send again
///                             │                       (max_duration spent ─▶ dead letter)
///                             ├─ split ─────────────▶ halves, first half first
///                             └─ reject ────────────▶ dead letter, dropped{rejected} += n
/// ```
/// The driver is generic over the clock it sleeps on, so tests use a manual one. It
/// returns when every part of the payload is delivered or written off, or early when its
/// task is cancelled (shutdown timeout), counting what it abandons as `dropped{shutdown}`.
package struct DeliveryDriver<C: Clock>: Sendable where C.Duration == Duration {
    /// The component's name in messages: `prometheus_remote_write(vm)`.
    package let name: String
    package let transport: any DeliveryTransport
    package let policy: DeliveryRetryLogic.Policy
    /// Payloads whose `size` exceeds this are split before sending.
    package let maxRequestSize: Int
    package let deadLetter: DeliveryDeadLetter
    private let classify: @Sendable (DeliveryResult) -> DeliveryOutcome
    private let metrics: ComponentMetrics
    private let log: RateLimitedLogger
    private let clock: C
    private let random: @Sendable () -> Double
    /// Payloads now between a failed attempt and their end; `failing` is set while any is.
    private let retrying = ManagedAtomic<Int>(0)

    /// - Parameters:
    ///   - classify: the protocol's reading of an answer; defaults to `DeliveryClassifier`'s HTTP table.
    ///   - random: uniform values in `[0, 1)` for backoff jitter.
    package init(name: String, transport: any DeliveryTransport, policy: DeliveryRetryLogic.Policy,
                maxRequestSize: Int = .max, deadLetter: DeliveryDeadLetter, metrics: ComponentMetrics,
                log: RateLimitedLogger, clock: C,
                classify: (@Sendable (DeliveryResult) -> DeliveryOutcome)? = nil,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.name = name
        self.transport = transport
        self.policy = policy
        self.maxRequestSize = maxRequestSize
        self.deadLetter = deadLetter
        self.metrics = metrics
        self.log = log
        self.clock = clock
        self.random = random
        let classifier = DeliveryClassifier(name: name, endpoint: transport.endpoint)
        self.classify = classify ?? { classifier.classify($0, nowSeconds: WallClock.nanoseconds() / 1_000_000_000) }
    }

    /// How one payload (or part) ended.
    private enum End {
        case done
        case split(DeliveryFailure)
        case cancelled
    }

    /// Delivers `payload`, retrying and splitting as needed; returns when nothing of it is left.
    package func deliver<P: DeliveryPayload>(_ payload: P) async {
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
            case .split(let failure):
                if let (first, second) = piece.split() {
                    stack.append(second)
                    stack.append(first)
                } else {
                    writeOff(piece, failure, reason: "rejected")
                }
            case .cancelled:
                let abandoned = stack.reduce(piece.eventCount) { $0 + $1.eventCount }
                metrics.dropCounter("shutdown").wrappingIncrement(by: abandoned, ordering: .relaxed)
                log.error("\(name): stopped before delivering \(abandoned) events to \(transport.endpoint)")
                return
            }
        }
    }

    /// Sends `piece` until it is delivered, refused or the retry budget is spent.
    private func attempt<P: DeliveryPayload>(_ piece: P) async -> End {
        var logic = DeliveryRetryLogic(policy: policy)
        let start = clock.now
        var isRetrying = false
        defer {
            if isRetrying, retrying.wrappingDecrementThenLoad(ordering: .relaxed) == 0 {
                metrics.failing.store(false, ordering: .relaxed)
            }
        }
        while true {
            if Task.isCancelled { return .cancelled }
            let sent = ContinuousClock.now
            let result = await transport.send(piece.request)
            metrics.requestDuration.observe(ContinuousClock.now - sent)
            let outcome = classify(result)
            switch outcome {
            case .delivered:
                metrics.sentEvents.wrappingIncrement(by: piece.eventCount, ordering: .relaxed)
                if !isRetrying, retrying.load(ordering: .relaxed) == 0 { metrics.failing.store(false, ordering: .relaxed) }
                return .done
            case .reject(let failure):
                count(failure)
                writeOff(piece, failure, reason: "rejected")
                return .done
            case .split(let failure):
                count(failure)
                return .split(failure)
            case .retry(let after, let failure):
                if Task.isCancelled { return .cancelled }
                count(failure)
                if !isRetrying {
                    isRetrying = true
                    retrying.wrappingIncrement(ordering: .relaxed)
                }
                metrics.failing.store(true, ordering: .relaxed)
                switch logic.next(retryAfter: after, elapsed: start.duration(to: clock.now), random: random()) {
                case .giveUp:
                    writeOff(piece, failure, reason: "retry_expired")
                    return .done
                case .retry(let wait, let attempt):
                    log.warning("\(failure.description); retry \(attempt) in \(wait.formatted)")
                    do { try await clock.sleep(for: wait) } catch { return .cancelled }
                    metrics.retries.wrappingIncrement(ordering: .relaxed)
                }
            }
        }
    }

    private func count(_ failure: DeliveryFailure) {
        metrics.errorCounter(failure.kind).wrappingIncrement(ordering: .relaxed)
    }

    /// Moves `piece` to the dead-letter file, counting it as dropped for `reason`.
    private func writeOff<P: DeliveryPayload>(_ piece: P, _ failure: DeliveryFailure, reason: String) {
        metrics.dropCounter(reason).wrappingIncrement(by: piece.eventCount, ordering: .relaxed)
        let why = reason == "rejected" ? "" : " (gave up after max_duration \(policy.maxDuration.formatted))"
        do {
            try deadLetter.write(piece, failure: failure, endpoint: transport.endpoint)
            log.error("\(failure.description)\(why); \(piece.eventCount) events written to \(deadLetter.path)")
        } catch {
            log.error("\(failure.description)\(why); \(piece.eventCount) events lost: \(error)")
        }
    }
}
