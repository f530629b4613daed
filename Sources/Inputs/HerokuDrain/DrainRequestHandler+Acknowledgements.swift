import NIOCore
import NIOHTTP1
import Pipeline

/// `acknowledgements: true`: a request is answered 204 only once every output reading its
/// frames has them in its buffer, and 503 with `Retry-After` when an output lost them or
/// the acknowledgement did not come within `backpressure_wait` of the request's arrival
/// (logplex retries then; the Frame-Id is still recorded when a late acknowledgement
/// arrives, so the retry is not emitted twice).
extension DrainRequestHandler {
    /// The token the request's batch carries; it completes on this connection's loop.
    func acknowledgementToken(_ context: ChannelHandlerContext, frameID: String?) -> AckToken {
        requestNumber += 1
        let number = requestNumber, loop = context.eventLoop, state = self.state
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        return AckToken { status in
            if status == .delivered, let frameID {
                state.dedupe.withLockedValue { $0.insert(frameID, now: WallClock.nanoseconds()) }
            }
            loop.execute {
                let (handler, context) = bound.value
                handler.acknowledged(context, number: number, status)
            }
        }
    }

    /// Waits (without blocking the loop) for the request's token, at most until `deadline`.
    func awaitAcknowledgement(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, deadline: Int64) {
        let number = requestNumber
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let wait = max(0, deadline - WallClock.nanoseconds())
        let timeout = context.eventLoop.scheduleTask(in: .nanoseconds(wait)) {
            let (handler, context) = bound.value
            handler.gaveUpWaiting(context, number: number)
        }
        awaiting = (number, head, timeout)
    }

    private func acknowledged(_ context: ChannelHandlerContext, number: Int, _ status: AckStatus) {
        guard let waiting = awaiting, waiting.number == number else { return }
        awaiting = nil
        waiting.timeout.cancel()
        if status == .delivered {
            respond(context, waiting.head, .noContent)
        } else {
            state.refused(503, "an output lost the frames (buffer full or shutting down)")
            respond(context, waiting.head, .serviceUnavailable, retryAfter: true)
        }
    }

    private func gaveUpWaiting(_ context: ChannelHandlerContext, number: Int) {
        guard let waiting = awaiting, waiting.number == number else { return }
        awaiting = nil
        state.refused(503, "frames not acknowledged by every output within \(state.config.backpressureWait.formatted)")
        respond(context, waiting.head, .serviceUnavailable, retryAfter: true)
    }
}
