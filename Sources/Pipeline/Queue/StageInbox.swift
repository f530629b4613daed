/// Where a stage receives batches: one ring per upstream edge, read round-robin (fan-in).
public final class StageInbox: @unchecked Sendable {
    /// What `next(deadline:)` found.
    public enum Item: Sendable {
        case batch(EventBatch)
        case timeout
        case closed
    }

    /// Every ring that feeds this stage.
    public private(set) var rings: [BatchRing] = []
    /// The signal every ring of this inbox wakes.
    public let signal = StageSignal()
    private let slots: Int
    private let maxEvents: Int
    private var cursor = 0

    /// An inbox whose rings hold `slots` batches and `maxEvents` events each.
    public init(slots: Int, maxEvents: Int) {
        self.slots = slots
        self.maxEvents = maxEvents
    }

    /// Adds a ring for one more upstream edge (topology construction only).
    public func makeRing() -> BatchRing {
        let ring = BatchRing(slots: slots, maxEvents: maxEvents, consumerSignal: signal)
        rings.append(ring)
        return ring
    }

    /// Events queued across every ring.
    public var eventCount: Int { rings.reduce(0) { $0 + $1.eventCount } }
    /// Arena bytes queued across every ring.
    public var byteCount: Int { rings.reduce(0) { $0 + $1.byteCount } }

    /// Takes a batch from the next non-empty ring; never suspends.
    public func tryNext() -> EventBatch? {
        let n = rings.count
        for k in 0..<n {
            let i = (cursor + k) % n
            if let batch = rings[i].tryPop() {
                cursor = (i + 1) % n
                return batch
            }
        }
        return nil
    }

    /// True when every ring is closed and drained.
    public var isFinished: Bool { rings.allSatisfy { $0.isClosed && $0.isEmpty } }

    /// The next batch; nil once every upstream has closed and everything was drained.
    public func next() async -> EventBatch? {
        while true {
            switch await next(deadline: nil) {
            case .batch(let b): return b
            case .closed: return nil
            case .timeout: continue
            }
        }
    }

    /// The next batch, `.timeout` at `deadline`, or `.closed` when all upstreams are done.
    public func next(deadline: ContinuousClock.Instant?) async -> Item {
        var spins = 0
        while true {
            if let batch = tryNext() { return .batch(batch) }
            if isFinished { return tryNext().map { .batch($0) } ?? .closed }
            if let deadline, ContinuousClock.now >= deadline { return .timeout }
            spins += 1
            if spins < 32 { await Task.yield(); continue }
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

    private var hasWork: Bool { rings.contains { !$0.isEmpty } || isFinished }
}
