import NIOCore
import Pipeline

/// One TCP connection (in tls mode behind `NIOSSLServerHandler`, see `SyslogTCPHandler+TLS`):
/// frames its bytes (`SyslogStreamDecoder`) and emits each read cycle's messages as one batch
/// on its loop's lane.
///
/// Backpressure: while a batch waits for room downstream the handler holds back `read()`, so
/// the kernel buffers fill and the sender's TCP window closes; the batch is retried on the loop
/// every few milliseconds. Nothing is dropped. With `acknowledgements: true` reading also
/// waits for the emitted batch's acknowledgement (see `SyslogTCPHandler+Acknowledgements`).
final class SyslogTCPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private static let retryInterval = TimeAmount.milliseconds(5)

    let state: SyslogState
    private let lane: InputLane
    private var decoder: SyslogStreamDecoder
    private var batch = LogBatch(capacity: 64, bytesPerEvent: 320)
    /// The batch that found downstream full, retried until it goes.
    private var pending: EventBatch?
    private var pendingCount = 0
    /// The number of the latest batch given an acknowledgement token.
    var batchNumber = 0
    /// The number and size of the emitted batch whose acknowledgement reading waits for.
    var awaited: (number: Int, count: Int)?
    /// A `read()` held back while a batch waits (`blocked`).
    private var readHeld = false
    private var counted = false

    /// True while a batch waits for room downstream or for its acknowledgement: nothing is read.
    private var blocked: Bool { pending != nil || awaited != nil }

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
        readHeld = false
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
        if blocked { readHeld = true } else { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A connection paused by backpressure or an acknowledgement is not idle.
        if event is IdleStateHandler.IdleStateEvent {
            if !blocked { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state.config.mode == .tls { countTLSFailure(context, error) }
        context.close(promise: nil)
    }

    /// The sender as `127.0.0.1:5140` or `[::1]:5140`, for log lines.
    static func peer(_ context: ChannelHandlerContext) -> String {
        guard let address = context.remoteAddress, let ip = address.ipAddress, let port = address.port else { return "an unknown peer" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
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
    func flush(_ context: ChannelHandlerContext) {
        guard !blocked, !batch.isEmpty else { return }
        pendingCount = batch.count
        if state.config.acknowledgements { batch.acknowledgements.add(acknowledgementToken(context)) }
        pending = .logs(batch)
        batch = LogBatch(capacity: 64, bytesPerEvent: 320)
        tryPending(context)
    }

    private func tryPending(_ context: ChannelHandlerContext) {
        if lane.stopping {
            // Never emitted: its token (if any) has no other holder and simply goes away.
            state.metrics.dropCounter("shutdown").wrappingIncrement(by: pendingCount, ordering: .relaxed)
            pending = nil
        } else if let emitter = lane.emitter, emitter.tryEmit(&pending) {
            state.metrics.receivedEvents.wrappingIncrement(by: pendingCount, ordering: .relaxed)
            if state.config.acknowledgements { awaited = (batchNumber, pendingCount) }
        } else {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: Self.retryInterval) {
                let (handler, context) = bound.value
                handler.tryPending(context)
            }
            return
        }
        flush(context)
        resumeReading(context)
    }

    /// Passes on a held `read()` once no batch waits.
    func resumeReading(_ context: ChannelHandlerContext) {
        guard !blocked, readHeld else { return }
        readHeld = false
        context.read()
    }
}
