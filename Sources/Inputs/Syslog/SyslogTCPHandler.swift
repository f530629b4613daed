import NIOCore
import Pipeline

/// One TCP connection: frames its bytes (`SyslogStreamDecoder`) and emits each read cycle's
/// messages as one batch on its loop's lane.
///
/// Backpressure: while a batch waits for room downstream the handler holds back `read()`, so
/// the kernel buffers fill and the sender's TCP window closes; the batch is retried on the loop
/// every few milliseconds. Nothing is dropped.
final class SyslogTCPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private static let retryInterval = TimeAmount.milliseconds(5)

    private let state: SyslogState
    private let lane: InputLane
    private var decoder: SyslogStreamDecoder
    private var batch = LogBatch(capacity: 64, bytesPerEvent: 320)
    /// The batch that found downstream full, retried until it goes.
    private var pending: EventBatch?
    private var pendingCount = 0
    /// A `read()` held back while `pending` waits.
    private var readHeld = false
    private var counted = false

    init(state: SyslogState, lane: InputLane) {
        self.state = state
        self.lane = lane
        decoder = SyslogStreamDecoder(maxMessageBytes: state.config.maxMessageBytes)
    }

    func channelActive(context: ChannelHandlerContext) {
        counted = true
        let open = state.connections.wrappingIncrementThenLoad(ordering: .relaxed)
        if open > state.config.maxConnections {
            state.refusedConnections.wrappingIncrement(ordering: .relaxed)
            state.log.warning("closed a connection over max_connections (\(state.config.maxConnections))")
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted { state.connections.wrappingDecrement(ordering: .relaxed) }
        counted = false
        var empty = ByteBuffer()
        decode(&empty, isComplete: true)
        flush(context)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        state.metrics.receivedBytes.wrappingIncrement(by: chunk.readableBytes, ordering: .relaxed)
        decode(&chunk, isComplete: false)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context)
    }

    func read(context: ChannelHandlerContext) {
        if pending != nil { readHeld = true } else { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A connection paused by backpressure is not idle.
        if event is IdleStateHandler.IdleStateEvent {
            if pending == nil { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func decode(_ chunk: inout ByteBuffer, isComplete: Bool) {
        let counts = decoder.decode(&chunk, isComplete: isComplete, writer: state.writer, now: WallClock.nanoseconds(), into: &batch)
        if counts.malformed > 0 {
            state.parseErrors.wrappingIncrement(by: counts.malformed, ordering: .relaxed)
            state.log.warning("\(counts.malformed) malformed message(s) kept as malformed events")
        }
        if counts.tooLarge > 0 {
            state.tooLarge.wrappingIncrement(by: counts.tooLarge, ordering: .relaxed)
            state.log.warning("refused \(counts.tooLarge) frame(s) over max_message_bytes (\(state.config.maxMessageBytes))")
        }
    }

    /// Hands the batch on, unless an earlier one still waits (it follows that one).
    private func flush(_ context: ChannelHandlerContext) {
        guard pending == nil, !batch.isEmpty else { return }
        pendingCount = batch.count
        pending = .logs(batch)
        batch = LogBatch(capacity: 64, bytesPerEvent: 320)
        tryPending(context)
    }

    private func tryPending(_ context: ChannelHandlerContext) {
        if lane.stopping {
            state.metrics.dropCounter("shutdown").wrappingIncrement(by: pendingCount, ordering: .relaxed)
            pending = nil
        } else if let emitter = lane.emitter, emitter.tryEmit(&pending) {
            state.metrics.receivedEvents.wrappingIncrement(by: pendingCount, ordering: .relaxed)
        } else {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: Self.retryInterval) {
                let (handler, context) = bound.value
                handler.tryPending(context)
            }
            return
        }
        flush(context)
        if pending == nil, readHeld {
            readHeld = false
            context.read()
        }
    }
}
