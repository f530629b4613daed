import Atomics

/// A single-producer single-consumer lock-free queue of event batches: one per edge and
/// producer lane.
///
/// Batches sit in a chain of fixed-size segments, so the queue is bounded only by its
/// inbox's `QueueBudget` (events and bytes), never by a count of batch slots: a thousand
/// one-event batches and one batch of a thousand events cost the same budget. The producer
/// appends a segment when the one it fills is full; the consumer drops a segment once it
/// has read past it. Head and tail sit on their own cache lines.
///
///     producer ──push──▶ [seg: b0 b1 … b127] → [seg: b128 …] ──pop──▶ consumer
///                          head ┘                    └ tail
public final class BatchRing: @unchecked Sendable {
    /// The budget this ring shares with every other ring into the same stage.
    public let budget: QueueBudget
    /// Woken when a batch arrives or the ring closes (shared by every ring into one stage).
    public let consumerSignal: StageSignal
    /// Woken when the consumer frees budget.
    public let producerSignal = StageSignal()

    private let indices: UnsafeMutableRawPointer
    private let head: UnsafeAtomic<Int>
    private let tail: UnsafeAtomic<Int>
    private let closedFlag: UnsafeAtomic<Bool>
    private var producerSegment: RingSegment
    private var producerTail = 0
    private var consumerSegment: RingSegment
    private var consumerHead = 0
    private var consumerCachedTail = 0
#if DEBUG
    private let owner = ProducerOwnerCheck()
#endif

    private static let line = 128

    /// An empty ring drawing on `budget`, waking `consumerSignal`.
    public init(budget: QueueBudget, consumerSignal: StageSignal) {
        self.budget = budget
        self.consumerSignal = consumerSignal
        let first = RingSegment()
        producerSegment = first
        consumerSegment = first
        let base = UnsafeMutableRawPointer.allocate(byteCount: Self.line * 3, alignment: Self.line)
        indices = base
        head = Self.atomic(base, 0, 0)
        tail = Self.atomic(base, 1, 0)
        closedFlag = Self.atomic(base, 2, false)
        budget.addProducer(producerSignal)
    }

    /// An atomic on cache line `index` of `base`, so no two indices share a line.
    private static func atomic<T: AtomicValue>(_ base: UnsafeMutableRawPointer, _ index: Int, _ value: T) -> UnsafeAtomic<T>
    where T.AtomicRepresentation.Value == T {
        let p = (base + index * line).bindMemory(to: T.AtomicRepresentation.self, capacity: 1)
        p.initialize(to: T.AtomicRepresentation(value))
        return UnsafeAtomic(at: p)
    }

    deinit { indices.deallocate() }

    /// True once the producer has closed the ring.
    public var isClosed: Bool { closedFlag.load(ordering: .sequentiallyConsistent) }
    /// True when no batch is queued.
    public var isEmpty: Bool { head.load(ordering: .sequentiallyConsistent) == tail.load(ordering: .sequentiallyConsistent) }

    // MARK: Producer

    /// True when a push of `batch` would be admitted now.
    public func hasRoom(for batch: borrowing EventBatch) -> Bool {
        budget.admits(count: batch.count, byteCount: batch.byteCount)
    }

    /// Queues the batch in `slot` if the budget admits it, leaving `slot` nil; never suspends.
    public func tryPush(_ slot: inout EventBatch?) -> Bool {
        guard slot.map({ hasRoom(for: $0) }) == true else { return false }
        pushAdmitted(slot.take()!)
        return true
    }

    /// Queues `batch`, parking while the budget is full (backpressure). Parking outlives task
    /// cancellation (an input stopping at SIGTERM still delivers the batch it read) until
    /// shutdown abandons the inbox: then it returns false, the batch not queued, and the
    /// caller counts it.
    public func push(_ batch: consuming EventBatch) async -> Bool {
        var spins = 0
        while !hasRoom(for: batch) {
            if budget.isAbandoned { return false }
            spins += 1
            if spins < 64 { continue }
            let count = batch.count, bytes = batch.byteCount, budget = self.budget
            await producerSignal.wait(cancellable: false) {
                budget.isAbandoned || budget.admits(count: count, byteCount: bytes)
            }
        }
        pushAdmitted(consume batch)
        return true
    }

    /// Queues `batch` without looking at the budget (the caller checked `hasRoom`).
    func pushAdmitted(_ batch: consuming EventBatch) {
#if DEBUG
        owner.enter()
        defer { owner.leave() }
#endif
        let count = batch.count, bytes = batch.byteCount
        let t = producerTail
        let index = t & RingSegment.mask
        if index == 0, t > 0 {
            let next = RingSegment()
            producerSegment.next = next
            producerSegment = next
        }
        producerSegment.slots[index] = consume batch
        producerTail = t + 1
        budget.add(count: count, byteCount: bytes)
        tail.store(t + 1, ordering: .sequentiallyConsistent)
        consumerSignal.notify()
    }

    /// Marks the end of the stream; the consumer drains what is queued, then sees it closed.
    public func close() {
        closedFlag.store(true, ordering: .sequentiallyConsistent)
        consumerSignal.notify()
    }

    // MARK: Consumer

    /// Takes the oldest batch, if any; never suspends.
    public func tryPop() -> EventBatch? {
        let h = consumerHead
        if h == consumerCachedTail {
            consumerCachedTail = tail.load(ordering: .acquiring)
            if h == consumerCachedTail { return nil }
        }
        let index = h & RingSegment.mask
        if index == 0, h > 0 { consumerSegment = consumerSegment.next! }
        let batch = consumerSegment.slots[index].take()!
        consumerHead = h + 1
        head.store(h + 1, ordering: .sequentiallyConsistent)
        budget.release(count: batch.count, byteCount: batch.byteCount)
        return batch
    }
}

/// A fixed block of batch slots; the chain of them forms a `BatchRing`.
private final class RingSegment {
    static let size = 128
    static let mask = size - 1
    let slots: UnsafeMutablePointer<EventBatch?>
    /// Written by the producer before it publishes the first batch of the next segment.
    var next: RingSegment?

    init() {
        slots = .allocate(capacity: Self.size)
        slots.initialize(repeating: nil, count: Self.size)
    }

    deinit {
        slots.deinitialize(count: Self.size)
        slots.deallocate()
    }
}

#if DEBUG
/// Traps when two producers push into one ring at once: each ring has exactly one producer
/// (a stage, or one event-loop lane of an input).
private final class ProducerOwnerCheck: Sendable {
    private let busy = ManagedAtomic<Bool>(false)

    func enter() {
        if busy.exchange(true, ordering: .acquiring) {
            preconditionFailure("BUG: two producers pushed into one BatchRing; give each producer its own lane")
        }
    }

    func leave() { busy.store(false, ordering: .releasing) }
}
#endif
