import Atomics
import NIOConcurrencyHelpers

/// Where a stage receives batches: one ring per upstream edge and producer lane, read
/// round-robin (fan-in), all drawing on one `QueueBudget`.
///
/// A reload adds rings while the stage runs (`makeRing`) and closes others: the consumer
/// adopts new rings at its next read, and lets go of closed, drained ones then.
public final class StageInbox: @unchecked Sendable {
    /// What `next(deadline:)` found.
    public enum Item: Sendable {
        case batch(EventBatch)
        case timeout
        case closed
    }

    /// The rings the consumer reads (the consumer's alone).
    private var adopted: [BatchRing] = []
    /// Rings made since the consumer last looked, and whether to look.
    private let added = NIOLockedValueBox<[BatchRing]>([])
    private let ringsChanged = ManagedAtomic<Bool>(false)
    /// The signal every ring of this inbox wakes.
    public let signal = StageSignal()
    /// The events and bytes this inbox may hold.
    public let budget: QueueBudget
    private var cursor = 0
    /// How many times an empty inbox yields before it parks: doubled when yielding found a
    /// batch, halved when it had to park. A steady stream keeps it spinning (parking and waking
    /// cost more than a yield); batches seconds apart (a scrape) park at once, where 32 yields
    /// per wait were a twentieth of W3's CPU in thread wake-ups. The consumer's alone.
    private var spinLimit = 32

    /// An inbox holding at most `maxEvents` events and `maxBytes` arena bytes.
    public init(maxEvents: Int, maxBytes: Int = .max) {
        budget = QueueBudget(maxEvents: maxEvents, maxBytes: maxBytes)
    }

    /// Adds a ring for one more upstream edge or lane; safe while the consumer runs.
    public func makeRing() -> BatchRing {
        let ring = BatchRing(budget: budget, consumerSignal: signal)
        added.withLockedValue { $0.append(ring) }
        ringsChanged.store(true, ordering: .sequentiallyConsistent)
        signal.notify()
        return ring
    }

    /// Asks the consumer to let go of closed, drained rings (after a reload closed some).
    func ringsClosed() {
        ringsChanged.store(true, ordering: .sequentiallyConsistent)
        signal.notify()
    }

    /// Every ring that feeds this stage, adopted or not (for tests and diagnostics).
    public var rings: [BatchRing] { adopted + added.withLockedValue { $0 } }

    /// Takes up rings made since the last look and drops closed, drained ones (consumer only).
    private func adoptRings() {
        guard ringsChanged.load(ordering: .relaxed) else { return }
        ringsChanged.store(false, ordering: .sequentiallyConsistent)
        let new = added.withLockedValue { rings in defer { rings = [] }; return rings }
        adopted.removeAll { $0.isClosed && $0.isEmpty }
        adopted.append(contentsOf: new)
        cursor = 0
    }

    /// Events queued across every ring.
    public var eventCount: Int { budget.eventCount }
    /// Arena bytes queued across every ring.
    public var byteCount: Int { budget.byteCount }

    /// Takes a batch from the next non-empty ring; never suspends.
    public func tryNext() -> EventBatch? {
        adoptRings()
        let n = adopted.count
        for k in 0..<n {
            let i = (cursor + k) % n
            if let batch = adopted[i].tryPop() {
                cursor = (i + 1) % n
                return batch
            }
        }
        return nil
    }

    /// True when every ring is closed and drained.
    public var isFinished: Bool {
        adoptRings()
        return adopted.allSatisfy { $0.isClosed && $0.isEmpty }
    }

    /// What a wait for the next batch ended with (the batch itself goes into the caller's slot).
    public enum Arrival: Sendable {
        case batch, timeout, closed
    }

    /// The next batch; nil once every upstream has closed and everything was drained, or
    /// when the task is cancelled (shutdown timeout: what is left is counted by the topology).
    public func next() async -> EventBatch? {
        var slot: EventBatch?
        while true {
            switch await next(deadline: nil, into: &slot) {
            case .batch: return slot.take()
            case .closed: return nil
            case .timeout: continue
            }
        }
    }

    /// The next batch, `.timeout` at `deadline`, or `.closed` when all upstreams are done
    /// or the task is cancelled.
    public func next(deadline: ContinuousClock.Instant?) async -> Item {
        var slot: EventBatch?
        switch await next(deadline: deadline, into: &slot) {
        case .batch: return .batch(slot.take()!)
        case .timeout: return .timeout
        case .closed: return .closed
        }
    }

    /// Waits like `next(deadline:)`, moving the batch into `slot` (the caller empties it with
    /// `take()`), so the caller holds the only reference and mutates it without a copy.
    public func next(deadline: ContinuousClock.Instant?, into slot: inout EventBatch?) async -> Arrival {
        var spins = 0
        while true {
            slot = tryNext()
            if slot != nil { return .batch }
            if isFinished {
                slot = tryNext()
                return slot == nil ? .closed : .batch
            }
            if Task.isCancelled { return .closed }
            if let deadline, ContinuousClock.now >= deadline { return .timeout }
            if spins < spinLimit {
                spins += 1
                await Task.yield()
                if let batch = tryNext() {
                    spinLimit = min(spinLimit * 2, 32)
                    slot = batch
                    return .batch
                }
                continue
            }
            spinLimit = max(spinLimit / 2, 1)
            await park(deadline: deadline)
        }
    }

    private func park(deadline: ContinuousClock.Instant?) async {
        guard let deadline else {
            await signal.wait { self.hasWork }
            return
        }
        let signal = self.signal
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            signal.notify()
        }
        await signal.wait { self.hasWork || ContinuousClock.now >= deadline }
        timer.cancel()
    }

    private var hasWork: Bool { ringsChanged.load(ordering: .sequentiallyConsistent) || adopted.contains { !$0.isEmpty } || isFinished }
}
