import NIOCore

/// Counts the bytes written to the socket on one connection, so each write's end offset in
/// the stream is known: it sits next to the socket, below TLS, where it sees ciphertext
/// (`DeliveryStreamConfirmation.tcpAcknowledged` compares it with what TCP acknowledged).
///
///     socket ◀── byte counter ◀── TLS (optional) ◀── stream handler ◀── writes
final class DeliveryStreamByteCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    /// Bytes passed towards the socket so far (once a write succeeded, they include all of it).
    private(set) var written = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        written += unwrapOutboundIn(data).readableBytes
        context.write(data, promise: promise)
    }
}
