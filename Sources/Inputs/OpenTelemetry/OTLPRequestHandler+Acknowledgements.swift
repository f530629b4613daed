import NIOCore
import NIOHTTP1
import Pipeline

/// `acknowledgements: true`: a request is answered 200 only once every output reading its
/// events has them in its buffer, and 503 with `Retry-After` when an output lost them or the
/// acknowledgement did not come within `backpressure_wait` of the request's arrival (the
/// client sends the request again).
extension OTLPRequestHandler {
    /// The token the request's batch carries; it completes on this connection's loop.
    func acknowledgementToken(_ context: ChannelHandlerContext) -> AckToken {
        requestNumber += 1
        let number = requestNumber, loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        return AckToken { status in
            loop.execute {
                let (handler, context) = bound.value
                handler.acknowledged(context, number: number, status)
            }
        }
    }

    /// Waits (without blocking the loop) for the request's token, at most until `deadline`.
    func awaitAcknowledgement(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, answer: ByteBuffer,
                              format: OTLPBodyFormat, deadline: Int64) {
        let number = requestNumber
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let wait = max(0, deadline - WallClock.nanoseconds())
        let timeout = context.eventLoop.scheduleTask(in: .nanoseconds(wait)) {
            let (handler, context) = bound.value
            handler.gaveUpWaiting(context, number: number)
        }
        awaiting = (number, head, answer, format, timeout)
    }

    private func acknowledged(_ context: ChannelHandlerContext, number: Int, _ status: AckStatus) {
        guard let waiting = awaiting, waiting.number == number else { return }
        awaiting = nil
        waiting.timeout.cancel()
        if status == .delivered {
            respond(context, waiting.head, .ok, body: waiting.answer, format: waiting.format)
        } else {
            refuse(context, waiting.head, OTLPRefusal(.serviceUnavailable, "an output lost the events (buffer full or shutting down)"),
                   format: waiting.format)
        }
    }

    private func gaveUpWaiting(_ context: ChannelHandlerContext, number: Int) {
        guard let waiting = awaiting, waiting.number == number else { return }
        awaiting = nil
        let why = "events not acknowledged by every output within \(state.config.backpressureWait.formatted)"
        refuse(context, waiting.head, OTLPRefusal(.serviceUnavailable, why), format: waiting.format)
    }
}
