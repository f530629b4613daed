import NIOCore
import Pipeline

/// One datagram is one message (RFC 5426 §3.1); the datagrams of one read cycle are one batch.
///
/// UDP cannot push back: when downstream is full the batch is dropped and counted.
final class SyslogUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let state: SyslogState
    private let lane: InputLane
    private var batch = LogBatch(capacity: 64, bytesPerEvent: 320)
    private var malformed = 0

    init(state: SyslogState, lane: InputLane) {
        self.state = state
        self.lane = lane
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let datagram = unwrapInboundIn(data).data
        state.metrics.receivedBytes.wrappingIncrement(by: datagram.readableBytes, ordering: .relaxed)
        datagram.withUnsafeReadableBytes { bytes in
            var message = bytes
            if message.last == UInt8(ascii: "\n") { message = UnsafeRawBufferPointer(rebasing: message.dropLast()) }
            guard message.count <= state.config.maxMessageBytes else {
                state.tooLarge.wrappingIncrement(ordering: .relaxed)
                state.log.warning("dropped a \(message.count)-byte datagram over max_message_bytes (\(state.config.maxMessageBytes))")
                return
            }
            if !state.writer.append(message, now: WallClock.nanoseconds(), into: &batch) { malformed += 1 }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        if malformed > 0 {
            state.parseErrors.wrappingIncrement(by: malformed, ordering: .relaxed)
            state.log.warning("\(malformed) malformed datagram(s) kept as malformed events")
            malformed = 0
        }
        let count = batch.count
        var slot: EventBatch? = .logs(batch)
        batch = LogBatch(capacity: 64, bytesPerEvent: 320)
        guard !lane.stopping, let emitter = lane.emitter else {
            state.metrics.dropCounter(lane.stopping ? "shutdown" : "not_running").wrappingIncrement(by: count, ordering: .relaxed)
            return
        }
        if emitter.tryEmit(&slot) {
            state.metrics.receivedEvents.wrappingIncrement(by: count, ordering: .relaxed)
        } else {
            slot = nil
            state.bufferFull.wrappingIncrement(by: count, ordering: .relaxed)
            state.log.warning("downstream full: dropped \(count) datagram(s)")
        }
    }
}
