import NIOCore
import NIOPosix
import Pipeline

/// One event loop's share of a network input: its producer lane. Touched only on `loop`,
/// which makes that loop the single producer of the lane's downstream rings.
final class InputLane: @unchecked Sendable {
    let loop: any EventLoop
    /// Set when `run` starts; until then nothing is emitted.
    var emitter: EmitterLane?
    /// Set at shutdown: nothing more is emitted (the drain answers 503).
    var stopping = false

    init(loop: any EventLoop) { self.loop = loop }
}

/// The event loops of a network input (its own group, one loop per producer lane, not the
/// loops of the outputs' HTTP clients), and the start/stop steps the drain and syslog share.
final class InputEventLoops: Sendable {
    let group: MultiThreadedEventLoopGroup
    let lanes: [InputLane]

    init(count: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: count)
        lanes = group.makeIterator().map { InputLane(loop: $0) }
    }

    deinit { group.shutdownGracefully { _ in } }

    /// The lane of the loop a channel runs on.
    func lane(for loop: any EventLoop) -> InputLane {
        guard let lane = lanes.first(where: { $0.loop === loop }) else {
            preconditionFailure("BUG: a channel on a loop outside the input's group")
        }
        return lane
    }

    /// Hands each loop its emitter lane, then waits until the task is cancelled (shutdown);
    /// then sets `stopping` on every loop, closes `listeners`, and runs a barrier on each loop,
    /// so nothing still emits when the core closes the downstream rings after `run` returns.
    func run(_ context: InputContext, name: String, listeners: () -> [any Channel]) async throws {
        precondition(context.emitter.lanes.count == lanes.count,
                     "BUG: \(name) has \(lanes.count) event loops but \(context.emitter.lanes.count) lanes")
        for (index, lane) in lanes.enumerated() {
            let emitter = context.emitter.lane(index)
            try await lane.loop.submit { lane.emitter = emitter }.get()
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        for lane in lanes { try await lane.loop.submit { lane.stopping = true }.get() }
        for listener in listeners() { try? await listener.close() }
        for lane in lanes { try await lane.loop.submit {}.get() }
    }
}
