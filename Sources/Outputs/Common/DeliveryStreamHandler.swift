import NIOCore

/// The stream transport's end of a connection: reads the receiver's acknowledgements
/// and reports them, and reports the connection closing.
///
/// Bytes from a receiver that is not expected to answer are ignored. Bytes the
/// acknowledgement reader cannot understand close the connection (the unconfirmed
/// writes go again on the next one).
final class DeliveryStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let transport: DeliveryStreamTransport
    private let read: (@Sendable (inout ByteBuffer) throws -> Int)?
    private var received = ByteBuffer()

    init(transport: DeliveryStreamTransport, read: (@Sendable (inout ByteBuffer) throws -> Int)?) {
        self.transport = transport
        self.read = read
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let read else { return }
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        do {
            let events = try read(&received)
            received.discardReadBytes()
            if events > 0 { transport.acknowledged(events, on: context.channel) }
        } catch {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.closed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        transport.failed(error, on: context.channel)
        context.close(promise: nil)
    }
}
