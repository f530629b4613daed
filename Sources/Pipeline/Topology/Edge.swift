import Atomics
import Logging

/// One edge of the graph as the producer sees it: the ring into a downstream stage and
/// what to do when it is full (`buffer.when_full` of the downstream).
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
    func send(_ batch: EventBatch) async {
        if dropWhenFull {
            _ = trySend(batch)
        } else {
            await ring.push(batch)
        }
    }

    /// Delivers `batch` if there is room; otherwise counts it dropped. Never suspends.
    func trySend(_ batch: EventBatch) -> Bool {
        if ring.tryPush(batch) { return true }
        dropped?.wrappingIncrement(by: batch.count, ordering: .relaxed)
        log.warning("buffer of '\(downstream)' is full: dropped \(batch.count) events (when_full: drop_newest)")
        return false
    }
}

/// Sends a stage's batches to every edge of each of its ports (fan-out shares the batch).
public final class Emitter: Sendable {
    /// Edges per port; port 0 is the default port.
    let ports: [[Edge]]
    private let sent: ManagedAtomic<Int>

    init(ports: [[Edge]], metrics: ComponentMetrics) {
        self.ports = ports
        self.sent = metrics.sentEvents
    }

    /// Sends `batch` on `port`, parking while a downstream is full.
    public func emit(_ batch: EventBatch, port: Int = 0) async {
        guard batch.count > 0, port < ports.count else { return }
        for edge in ports[port] { await edge.send(batch) }
        sent.wrappingIncrement(by: batch.count, ordering: .relaxed)
    }

    /// Sends `batch` on the default port without parking; returns false, sending nothing, when any edge is full.
    public func tryEmit(_ batch: EventBatch) -> Bool {
        guard batch.count > 0, !ports.isEmpty else { return true }
        // All or nothing: this stage is the only producer of its rings, so room seen here
        // cannot shrink before the pushes below.
        guard ports[0].allSatisfy({ $0.ring.hasRoom(for: batch.count) }) else { return false }
        for edge in ports[0] { _ = edge.ring.tryPush(batch) }
        sent.wrappingIncrement(by: batch.count, ordering: .relaxed)
        return true
    }

    /// True when every edge of the default port has room right now.
    public var canAcceptNow: Bool {
        ports.first?.allSatisfy { $0.ring.hasRoom(for: 1) } ?? true
    }

    /// Closes every outbound ring (end of stream).
    func close() {
        for port in ports { for edge in port { edge.ring.close() } }
    }
}
