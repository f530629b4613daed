import Atomics

/// How much one stage's inbox may hold, in events and arena bytes, across all its rings.
///
/// Every ring into a stage (one per upstream edge and producer lane) draws on the same
/// budget, so `buffer.max_events` and `buffer.max_size` bound the stage's buffer however
/// many producers feed it and however small their batches are. A batch is admitted while
/// the inbox is empty, so one batch larger than the budget never deadlocks. Producers of
/// different rings check and then add, so the budget may be exceeded by at most one batch
/// per producer.
public final class QueueBudget: Sendable {
    /// Events the inbox may hold.
    public let maxEvents: Int
    /// Arena bytes the inbox may hold (`Int.max` when only events bound it).
    public let maxBytes: Int
    private let events = ManagedAtomic<Int>(0)
    private let bytes = ManagedAtomic<Int>(0)
    private let producers = ProducerSignals()
    private let abandoned = ManagedAtomic<Bool>(false)

    public init(maxEvents: Int, maxBytes: Int = .max) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1, maxBytes)
    }

    /// Events queued.
    public var eventCount: Int { events.load(ordering: .relaxed) }
    /// Arena bytes queued.
    public var byteCount: Int { bytes.load(ordering: .relaxed) }

    /// True when a batch of `count` events and `byteCount` bytes fits now.
    func admits(count: Int, byteCount: Int) -> Bool {
        let queued = events.load(ordering: .sequentiallyConsistent)
        if queued == 0 { return true }
        return queued + count <= maxEvents && bytes.load(ordering: .relaxed) + byteCount <= maxBytes
    }

    func add(count: Int, byteCount: Int) {
        events.wrappingIncrement(by: count, ordering: .sequentiallyConsistent)
        bytes.wrappingIncrement(by: byteCount, ordering: .relaxed)
    }

    /// Returns room to the budget and wakes every parked producer (any of them may fit now).
    func release(count: Int, byteCount: Int) {
        events.wrappingDecrement(by: count, ordering: .sequentiallyConsistent)
        bytes.wrappingDecrement(by: byteCount, ordering: .relaxed)
        producers.notifyAll()
    }

    /// True once shutdown gave up on this inbox: parked producers stop waiting for room.
    public var isAbandoned: Bool { abandoned.load(ordering: .sequentiallyConsistent) }

    /// Gives up on the inbox at `shutdown_timeout`: wakes every parked producer, whose
    /// batch is then counted as dropped at shutdown.
    public func abandon() {
        abandoned.store(true, ordering: .sequentiallyConsistent)
        producers.notifyAll()
    }

    /// Registers the signal a ring's producer parks on (topology construction only).
    func addProducer(_ signal: StageSignal) { producers.append(signal) }
}

/// The producer signals of one budget; appended while the topology is built, read after.
private final class ProducerSignals: @unchecked Sendable {
    private var signals: [StageSignal] = []

    func append(_ signal: StageSignal) { signals.append(signal) }

    func notifyAll() { for s in signals { s.notify() } }
}
