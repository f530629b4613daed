import Atomics
import Logging

/// One edge of the graph as one producer lane sees it: the ring into a downstream stage
/// and what to do when that stage's buffer is full (`buffer.when_full` of the downstream).
final class Edge: Sendable {
    let ring: BatchRing
    let downstream: String
    let dropWhenFull: Bool
    private let dropped: ManagedAtomic<Int>?
    private let log: RateLimitedLogger

    init(ring: BatchRing, downstream: String, dropWhenFull: Bool, downstreamMetrics: ComponentMetrics, logger: Logger) {
        self.ring = ring
        self.downstream = downstream
        self.dropWhenFull = dropWhenFull
        // Only a dropping edge owns a counter, so `/metrics` shows none where nothing can drop.
        self.dropped = dropWhenFull ? downstreamMetrics.dropCounter("buffer_full") : nil
        self.log = RateLimitedLogger(logger: logger)
    }

    /// Delivers `batch`: parks while full, or drops and counts with `when_full: drop_newest`.
    /// False only when shutdown abandoned the downstream while parked (the batch was not
    /// delivered, and its acknowledgements are released as dropped).
    func send(_ batch: consuming EventBatch) async -> Bool {
        if dropWhenFull {
            sendOrDrop(consume batch)
            return true
        }
        let acks = batch.acknowledgements
        let pushed = await ring.push(consume batch)
        if !pushed { acks.release(.dropped) }
        return pushed
    }

    /// Delivers `batch` without parking, after the caller saw room on every blocking edge:
    /// a blocking edge takes it (another lane may have used the room meanwhile: the budget
    /// then runs over by this batch), a dropping edge drops it when full.
    func offer(_ batch: consuming EventBatch) {
        if dropWhenFull { sendOrDrop(consume batch) } else { ring.pushAdmitted(consume batch) }
    }

    /// Delivers `batch` if there is room; otherwise counts it dropped. Never suspends.
    private func sendOrDrop(_ batch: consuming EventBatch) {
        if ring.hasRoom(for: batch) {
            ring.pushAdmitted(consume batch)
            return
        }
        dropped?.wrappingIncrement(by: batch.count, ordering: .relaxed)
        batch.acknowledge(.dropped)
        log.warning("buffer of '\(downstream)' is full: dropped \(batch.count) events (when_full: drop_newest)")
    }
}
