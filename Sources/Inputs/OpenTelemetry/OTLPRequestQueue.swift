import NIOCore
import Pipeline

/// Hands one connection's (or gRPC stream's) decoded requests downstream and says how each
/// ended, for the OTLP/HTTP and OTLP/gRPC handlers alike. Runs on the connection's loop.
///
/// A batch goes on the loop's lane, on the default port and its signal's port, retried on
/// the loop while downstream is full, until `backpressure_wait` after the request arrived.
/// With `acknowledgements: true` the request is answered only once every output reading the
/// events has them in its buffer: it is refused (503 / UNAVAILABLE, so the client sends it
/// again) when an output lost them or that did not happen within `backpressure_wait`.
final class OTLPRequestQueue {
    /// Called once per request: nil when the events are taken, else why not.
    typealias Completion = (OTLPRefusal?) -> Void

    private let state: OTLPReceiverState
    private let lane: InputLane
    private let loop: any EventLoop
    /// Requests submitted so far; a late acknowledgement of an earlier one is ignored.
    private var requestNumber = 0
    /// The request waiting for its acknowledgement.
    private var awaiting: (number: Int, completion: Completion, timeout: Scheduled<Void>)?

    init(state: OTLPReceiverState, lane: InputLane, loop: any EventLoop) {
        self.state = state
        self.lane = lane
        self.loop = loop
    }

    /// Queues `batch` on the default port and on `port`; `completion` runs on the loop.
    func submit(_ batch: consuming EventBatch, port: Int, arrivedAt: Int64, completion: @escaping Completion) {
        requestNumber += 1
        var batch = batch
        let acknowledged = state.config.acknowledgements && batch.count > 0
        if acknowledged {
            var acks = Acknowledgements()
            acks.add(token(requestNumber))
            batch.attach(acks)
        }
        enqueue(batch, port: port, number: requestNumber, acknowledged: acknowledged,
                deadline: arrivedAt + state.config.backpressureWait.nanoseconds, completion: completion)
    }

    private func enqueue(_ batch: consuming EventBatch, port: Int, number: Int, acknowledged: Bool, deadline: Int64,
                         completion: @escaping Completion) {
        guard !lane.stopping, let emitter = lane.emitter else {
            return completion(OTLPRefusal(.serviceUnavailable, "pipeline is not running (starting or shutting down)"))
        }
        let count = batch.count
        var slot: EventBatch? = batch
        if emitter.tryEmit(&slot, alsoOn: port) {
            state.metrics.receivedEvents.wrappingIncrement(by: count, ordering: .relaxed)
            guard acknowledged else { return completion(nil) }
            return awaitAcknowledgement(number, deadline: deadline, completion: completion)
        }
        guard WallClock.nanoseconds() < deadline, let pending = slot.take() else {
            // Never emitted: its token (if any) has no other holder and simply goes away.
            let why = "downstream is full (backpressure) for \(state.config.backpressureWait.formatted)"
            return completion(OTLPRefusal(.serviceUnavailable, why))
        }
        let bound = NIOLoopBound((self, pending, completion), eventLoop: loop)
        loop.scheduleTask(in: .milliseconds(10)) {
            let (queue, pending, completion) = bound.value
            queue.enqueue(pending, port: port, number: number, acknowledged: acknowledged, deadline: deadline, completion: completion)
        }
    }

    /// The token request `number`'s batch carries; it completes on the loop.
    private func token(_ number: Int) -> AckToken {
        let bound = NIOLoopBound(self, eventLoop: loop), loop = self.loop
        return AckToken { status in
            loop.execute { bound.value.acknowledged(number, status) }
        }
    }

    private func awaitAcknowledgement(_ number: Int, deadline: Int64, completion: @escaping Completion) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        let timeout = loop.scheduleTask(in: .nanoseconds(max(0, deadline - WallClock.nanoseconds()))) {
            bound.value.gaveUpWaiting(number)
        }
        awaiting = (number, completion, timeout)
    }

    private func acknowledged(_ number: Int, _ status: AckStatus) {
        guard let waiting = awaiting, waiting.number == number else { return }
        awaiting = nil
        waiting.timeout.cancel()
        waiting.completion(status == .delivered ? nil
            : OTLPRefusal(.serviceUnavailable, "an output lost the events (buffer full or shutting down)"))
    }

    private func gaveUpWaiting(_ number: Int) {
        guard let waiting = awaiting, waiting.number == number else { return }
        awaiting = nil
        waiting.completion(OTLPRefusal(.serviceUnavailable,
                                       "events not acknowledged by every output within \(state.config.backpressureWait.formatted)"))
    }
}
