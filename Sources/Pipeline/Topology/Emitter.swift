import Atomics
import NIOConcurrencyHelpers

/// How a stage hands batches downstream: one `EmitterLane` per producer.
///
/// A stage task has one lane; an input that serves connections from several event loops
/// has one lane per loop, each with its own ring into every downstream stage, so every
/// ring keeps a single producer and each connection's events stay in order.
public final class Emitter: Sendable {
    /// The lanes; lane 0 is the stage's own.
    public let lanes: [EmitterLane]

    init(lanes: [EmitterLane]) { self.lanes = lanes }

    /// Lane `index` (inputs with several producers; see `ComponentConfig.producerLanes`).
    public func lane(_ index: Int) -> EmitterLane { lanes[index] }

    /// Closes every outbound ring of every lane (end of stream).
    func close() { for lane in lanes { lane.close() } }
}

/// One producer's edges, per port. Batches are handed over by ownership: a batch is shared
/// (and so may be copied on write) only on real fan-out.
///
/// A reload swaps the edges (`replaceEdges`) between two sends: a send in progress keeps the
/// edges it started with, and the reload waits for it (`waitUntilSendsLeave`) before it closes
/// the rings it took away.
public final class EmitterLane: Sendable {
    private struct Edges {
        /// Edges per port; port 0 is the default port.
        var ports: [[Edge]]
        var version = 0
        /// The version a send in progress is using (one producer: at most one send at a time).
        var inUse: Int?
    }

    private let edges: NIOLockedValueBox<Edges>
    private let metrics: ComponentMetrics
    private let tap: TapPoint

    init(ports: [[Edge]], metrics: ComponentMetrics, tap: TapPoint) {
        self.edges = NIOLockedValueBox(Edges(ports: ports))
        self.metrics = metrics
        self.tap = tap
    }

    /// The edges now, per port.
    var ports: [[Edge]] { edges.withLockedValue { $0.ports } }

    /// Sends `batch` on `port`, parking while a blocking downstream is full. When shutdown
    /// abandons a downstream (`shutdown_timeout`), the batch is counted as dropped for
    /// `shutdown` for that edge instead.
    public func emit(_ batch: consuming EventBatch, port: Int = 0) async {
        let count = batch.count
        if count > 0, tap.isActive { tap.publish(batch, port: port) }
        let ports = beginSend()
        defer { endSend() }
        guard count > 0, port < ports.count, let last = ports[port].last else {
            // Nothing reads this port (or nothing to send): the events are done with.
            batch.acknowledge(.delivered)
            return
        }
        // Every edge's stage releases its own hold on the batch's acknowledgements.
        batch.acknowledgements.hold(ports[port].count - 1)
        var delivered = true
        for edge in ports[port].dropLast() {
            let sent = await edge.send(copy batch)
            delivered = delivered && sent
        }
        let sent = await last.send(consume batch)
        delivered = delivered && sent
        if delivered {
            metrics.sentEvents.wrappingIncrement(by: count, ordering: .relaxed)
        } else {
            // Looked up only here, so components that never drop show no `shutdown` counter.
            metrics.dropCounter("shutdown").wrappingIncrement(by: count, ordering: .relaxed)
        }
    }

    /// Sends the batch in `slot` on the default port (and on port `alsoOn`, when given)
    /// without parking, leaving `slot` nil. Returns false, sending nothing, when a blocking
    /// edge is full; a full `drop_newest` edge drops and counts the batch for that edge only.
    public func tryEmit(_ slot: inout EventBatch?, alsoOn port: Int? = nil) -> Bool {
        let ports = beginSend()
        defer { endSend() }
        var edges = ports.first ?? []
        if let port, port < ports.count { edges += ports[port] }
        guard let count = slot?.count, count > 0, !edges.isEmpty else {
            slot.take()?.acknowledge(.delivered)
            return true
        }
        // All or nothing over the blocking edges: this lane is the only producer of its rings.
        guard edges.allSatisfy({ $0.dropWhenFull || $0.ring.hasRoom(for: slot!) }) else { return false }
        let batch = slot.take()!
        if tap.isActive {
            tap.publish(batch, port: 0)
            if let port { tap.publish(batch, port: port) }
        }
        batch.acknowledgements.hold(edges.count - 1)
        for edge in edges.dropLast() { edge.offer(copy batch) }
        edges.last!.offer(consume batch)
        metrics.sentEvents.wrappingIncrement(by: count, ordering: .relaxed)
        return true
    }

    private func beginSend() -> [[Edge]] {
        edges.withLockedValue { $0.inUse = $0.version; return $0.ports }
    }

    private func endSend() { edges.withLockedValue { $0.inUse = nil } }

    /// Sends from now on go to `ports`; returns the version a send still using the old edges
    /// holds (see `waitUntilSendsLeave`).
    func replaceEdges(_ ports: [[Edge]]) -> Int {
        edges.withLockedValue {
            $0.ports = ports
            $0.version += 1
            return $0.version - 1
        }
    }

    /// Returns once no send uses the edges of `version` any more.
    func waitUntilSendsLeave(version: Int) async {
        while edges.withLockedValue({ $0.inUse == version }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    func close() {
        for port in ports { for edge in port { edge.ring.close() } }
    }
}
