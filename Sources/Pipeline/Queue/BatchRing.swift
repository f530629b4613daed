import Atomics

/// A bounded single-producer single-consumer lock-free ring of event batches: one per edge.
///
/// Capacity is bounded twice: by slots (batches) and by events. A batch is admitted when
/// the ring is empty, so one batch larger than `maxEvents` never deadlocks. The head and
/// tail indices sit on their own cache lines, each side caching the other's index.
///
///     producer ──tryPush──▶ [ b0 | b1 | b2 | ... ] ──tryPop──▶ consumer
///                 tail ─────────┘             └───── head
public final class BatchRing: @unchecked Sendable {
    /// Slots in the ring (a power of two).
    public let capacity: Int
    /// Events the ring may hold before it counts as full.
    public let maxEvents: Int
    /// Woken when a batch arrives or the ring closes (shared by every ring into one stage).
    public let consumerSignal: StageSignal
    /// Woken when the consumer frees space.
    public let producerSignal = StageSignal()

    private let mask: Int
    private let slots: UnsafeMutablePointer<EventBatch?>
    private let indices: UnsafeMutableRawPointer
    private let head: UnsafeAtomic<Int>
    private let tail: UnsafeAtomic<Int>
    private let events: UnsafeAtomic<Int>
    private let bytes: UnsafeAtomic<Int>
    private let closedFlag: UnsafeAtomic<Bool>
    private var producerCachedHead = 0
    private var consumerCachedTail = 0

    private static let line = 128

    /// A ring of at least `slots` batches (rounded up to a power of two) and `maxEvents` events.
    public init(slots: Int, maxEvents: Int, consumerSignal: StageSignal) {
        var size = 2
        while size < slots { size <<= 1 }
        capacity = size
        mask = size - 1
        self.maxEvents = max(1, maxEvents)
        self.consumerSignal = consumerSignal
        self.slots = .allocate(capacity: size)
        self.slots.initialize(repeating: nil, count: size)
        let base = UnsafeMutableRawPointer.allocate(byteCount: Self.line * 5, alignment: Self.line)
        indices = base
        head = Self.atomic(base, 0, 0)
        tail = Self.atomic(base, 1, 0)
        events = Self.atomic(base, 2, 0)
        bytes = Self.atomic(base, 3, 0)
        closedFlag = Self.atomic(base, 4, false)
    }

    /// An atomic on cache line `index` of `base`, so no two indices share a line.
    private static func atomic<T: AtomicValue>(_ base: UnsafeMutableRawPointer, _ index: Int, _ value: T) -> UnsafeAtomic<T>
    where T.AtomicRepresentation.Value == T {
        let p = (base + index * line).bindMemory(to: T.AtomicRepresentation.self, capacity: 1)
        p.initialize(to: T.AtomicRepresentation(value))
        return UnsafeAtomic(at: p)
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
        indices.deallocate()
    }

    /// Events currently queued.
    public var eventCount: Int { events.load(ordering: .relaxed) }
    /// Arena bytes currently queued.
    public var byteCount: Int { bytes.load(ordering: .relaxed) }
    /// True once the producer has closed the ring.
    public var isClosed: Bool { closedFlag.load(ordering: .sequentiallyConsistent) }
    /// True when no batch is queued (consumer side).
    public var isEmpty: Bool { head.load(ordering: .relaxed) == tail.load(ordering: .sequentiallyConsistent) }

    // MARK: Producer

    /// Queues `batch` if there is room; never suspends.
    public func tryPush(_ batch: EventBatch) -> Bool {
        let t = tail.load(ordering: .relaxed)
        if t - producerCachedHead >= capacity {
            producerCachedHead = head.load(ordering: .acquiring)
            if t - producerCachedHead >= capacity { return false }
        }
        let queued = events.load(ordering: .relaxed)
        if queued > 0, queued + batch.count > maxEvents { return false }
        slots[t & mask] = batch
        events.wrappingIncrement(by: batch.count, ordering: .relaxed)
        bytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
        tail.store(t + 1, ordering: .sequentiallyConsistent)
        consumerSignal.notify()
        return true
    }

    /// Queues `batch`, parking while the ring is full (backpressure). Not cancellable:
    /// a batch that was read is delivered, however long the consumer takes.
    public func push(_ batch: EventBatch) async {
        var spins = 0
        while !tryPush(batch) {
            spins += 1
            if spins < 64 { continue }
            await producerSignal.wait { self.hasRoom(for: batch.count) }
        }
    }

    /// Marks the end of the stream; the consumer drains what is queued, then sees it closed.
    public func close() {
        closedFlag.store(true, ordering: .sequentiallyConsistent)
        consumerSignal.notify()
    }

    /// True when `tryPush` of a batch of `count` events would succeed (producer side).
    func hasRoom(for count: Int) -> Bool {
        let t = tail.load(ordering: .relaxed)
        guard t - head.load(ordering: .sequentiallyConsistent) < capacity else { return false }
        let queued = events.load(ordering: .sequentiallyConsistent)
        return queued == 0 || queued + count <= maxEvents
    }

    // MARK: Consumer

    /// Takes the oldest batch, if any; never suspends.
    public func tryPop() -> EventBatch? {
        let h = head.load(ordering: .relaxed)
        if h == consumerCachedTail {
            consumerCachedTail = tail.load(ordering: .acquiring)
            if h == consumerCachedTail { return nil }
        }
        let batch = slots[h & mask].take()!
        events.wrappingDecrement(by: batch.count, ordering: .sequentiallyConsistent)
        bytes.wrappingDecrement(by: batch.byteCount, ordering: .relaxed)
        head.store(h + 1, ordering: .sequentiallyConsistent)
        producerSignal.notify()
        return batch
    }
}
