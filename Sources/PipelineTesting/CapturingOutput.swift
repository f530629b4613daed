import Atomics
import NIOConcurrencyHelpers
import Pipeline

/// An output that records what it receives, optionally slowly (to exercise backpressure).
///
/// By default every batch is stored; pass `store: false` with an `onBatch` callback to check
/// batches as they arrive without keeping them (long runs).
public final class CapturingOutput: OutputStage, Sendable {
    private let store: Bool
    private let delay: Duration?
    private let onBatch: (@Sendable (EventBatch) -> Void)?
    private let captured = NIOLockedValueBox<[EventBatch]>([])
    private let events = ManagedAtomic<Int>(0)
    private let batchCount = ManagedAtomic<Int>(0)
    private let maxQueued = ManagedAtomic<Int>(0)
    private let finished = ManagedAtomic<Bool>(false)
    private let paused: ManagedAtomic<Bool>

    /// - Parameters:
    ///   - store: keep every batch for `batches`.
    ///   - delay: time to spend on each batch (a slow consumer); spins below 1 ms, sleeps above.
    ///   - paused: take no batch until `resume()` (a stuck output).
    ///   - onBatch: called with each batch, in arrival order, on the output's task.
    public init(store: Bool = true, delay: Duration? = nil, paused: Bool = false,
                onBatch: (@Sendable (EventBatch) -> Void)? = nil) {
        self.store = store
        self.delay = delay
        self.paused = ManagedAtomic(paused)
        self.onBatch = onBatch
    }

    /// Lets a paused output take batches.
    public func resume() { paused.store(false, ordering: .releasing) }

    /// Every batch received, in order (empty when not storing).
    public var batches: [EventBatch] { captured.withLockedValue { $0 } }
    /// Total events received.
    public var eventCount: Int { events.load(ordering: .acquiring) }
    /// Total batches received.
    public var receivedBatches: Int { batchCount.load(ordering: .acquiring) }
    /// The most events seen waiting in the inbox after taking a batch (shows backpressure).
    public var maxQueuedEvents: Int { maxQueued.load(ordering: .relaxed) }
    /// True once the inbox closed and `run` returned.
    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Every received log batch's messages, in order (for small tests).
    public var messages: [String] {
        batches.flatMap { batch -> [String] in
            guard case .logs(let logs) = batch else { return [] }
            return (0..<logs.count).map { logs.message($0) }
        }
    }

    public func run(_ context: OutputContext) async throws {
        // A cancelled sleep returns at once: stop waiting then, or the loop would spin on a pool thread.
        while paused.load(ordering: .acquiring) {
            do { try await Task.sleep(for: .milliseconds(1)) } catch { return }
        }
        while let batch = await context.inbox.next() {
            let queued = context.inbox.eventCount
            if queued > maxQueued.load(ordering: .relaxed) { maxQueued.store(queued, ordering: .relaxed) }
            context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
            onBatch?(batch)
            if store { captured.withLockedValue { $0.append(batch) } }
            if let delay { await Self.spend(delay) }
            context.metrics.sentEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            // Counted before the acknowledgement, so a test woken by it sees the events counted.
            batchCount.wrappingIncrement(ordering: .releasing)
            events.wrappingIncrement(by: batch.count, ordering: .releasing)
            batch.acknowledge(.delivered)
        }
        finished.store(true, ordering: .releasing)
    }

    private static func spend(_ delay: Duration) async {
        guard delay < .milliseconds(1) else {
            try? await Task.sleep(for: delay)
            return
        }
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end {}
    }
}
