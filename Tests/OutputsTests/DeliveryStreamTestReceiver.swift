import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A line receiver for the stream transport tests: reads `m<id>\n` lines, records every
/// id per connection, optionally acknowledges each line with one `.` byte, and drops
/// connections mid-stream: connection n is closed after `drops[n]` bytes, discarding the
/// rest of what it had received (as a receiver that crashes loses its socket buffer).
final class DeliveryStreamTestReceiver: Sendable {
    private let state = NIOLockedValueBox<(connections: [[Int]], drops: [Int], closed: Int)>(([], [], 0))
    private let acknowledges: Bool
    private let tls: NIOSSLContext?
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    /// - Parameter drops: for each connection in turn, the bytes after which it is closed.
    init(acknowledges: Bool, drops: [Int], tls: TLSConfiguration? = nil) throws {
        self.acknowledges = acknowledges
        self.tls = try tls.map { try NIOSSLContext(configuration: $0) }
        state.withLockedValue { $0.drops = drops }
    }

    /// The ids received on each connection, in order.
    var connections: [[Int]] { state.withLockedValue { $0.connections } }

    /// True once every connection opened so far has closed (everything sent on it was read).
    var allClosed: Bool { state.withLockedValue { $0.closed == $0.connections.count } }

    /// Starts listening on a free loopback port; returns it.
    func start() async throws -> Int {
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = self.tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(Connection(receiver: self, index: self.open()))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = bound }
        return bound.localAddress!.port!
    }

    func stop() async {
        try? await channel.withLockedValue { $0 }?.close()
    }

    /// Registers a new connection; returns its index.
    private func open() -> Int {
        state.withLockedValue { s in
            s.connections.append([])
            return s.connections.count - 1
        }
    }

    private func record(_ id: Int, on connection: Int) {
        state.withLockedValue { $0.connections[connection].append(id) }
    }

    private func dropPoint(of connection: Int) -> Int? {
        state.withLockedValue { connection < $0.drops.count ? $0.drops[connection] : nil }
    }

    private final class Connection: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let receiver: DeliveryStreamTestReceiver
        private let index: Int
        private var pending = ByteBuffer()
        private var read = 0

        init(receiver: DeliveryStreamTestReceiver, index: Int) {
            self.receiver = receiver
            self.index = index
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let drop = receiver.dropPoint(of: index)
            if let drop, read >= drop { return }  // closing: the rest is lost
            var bytes = unwrapInboundIn(data)
            var take = bytes.readableBytes
            if let drop { take = min(take, drop - read) }
            read += take
            var taken = bytes.readSlice(length: take)!
            pending.writeBuffer(&taken)
            var lines = 0
            while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending.readString(length: newline - pending.readerIndex)!
                pending.moveReaderIndex(forwardBy: 1)
                receiver.record(Int(line.dropFirst())!, on: index)
                lines += 1
            }
            pending.discardReadBytes()
            if receiver.acknowledges, lines > 0 {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(repeating: UInt8(ascii: "."), count: lines)), promise: nil)
            }
            if let drop, read >= drop { context.close(promise: nil) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            receiver.state.withLockedValue { $0.closed += 1 }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
