import Codecs
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
@testable import Outputs

/// A strict syslog receiver for the output's tests: frames are split as RFC 6587 says
/// (octet counting with the Codecs framer, or LF), each message is parsed with the Codecs
/// RFC 5424 parser, and anything that does not parse is a problem. It can stop reading
/// after `pauseAfter` messages (its TCP window fills) and be killed mid-stream: listener and
/// connections closed, unread bytes in the socket lost, as when a receiver crashes.
final class SyslogTestReceiver: Sendable {
    enum Mode: Sendable {
        case tcp(SyslogFraming)
        case udp
    }

    /// One parsed message; nil header values are "".
    struct Message: Equatable, Sendable {
        var facility: UInt8
        var severity: UInt8
        var timestamp: Int64?
        var hostname, appname, procid, msgid, structuredData, message: String
    }

    private struct State {
        var connections: [[Message]] = []
        var problems: [String] = []
        var children: [any Channel] = []
        var received = 0
        var paused = false
        /// The pause happens once: a receiver started again reads normally.
        var pausedBefore = false
    }

    private let state = NIOLockedValueBox(State())
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)
    private let mode: Mode
    private let tls: NIOSSLContext?
    private let pauseAfter: Int?
    private let receiveBuffer: Int?

    /// - Parameters:
    ///   - pauseAfter: stop reading once this many messages arrived (until killed; once only).
    ///   - receiveBuffer: `SO_RCVBUF` of accepted connections, bounding what the kernel takes unread.
    init(_ mode: Mode, tls: TLSConfiguration? = nil, pauseAfter: Int? = nil, receiveBuffer: Int? = nil) throws {
        self.mode = mode
        self.tls = try tls.map { tls in
            var tls = tls
            tls.shutdownTimeout = .milliseconds(1)  // killed: no waiting for the client's close_notify
            return try NIOSSLContext(configuration: tls)
        }
        self.pauseAfter = pauseAfter
        self.receiveBuffer = receiveBuffer
    }

    /// The messages of each connection (one list for UDP), in order.
    var connections: [[Message]] { state.withLockedValue { $0.connections } }
    var messages: [Message] { connections.flatMap { $0 } }
    /// Messages received so far.
    var count: Int { state.withLockedValue { $0.received } }
    /// Frames that did not parse, with the reason.
    var problems: [String] { state.withLockedValue { $0.problems } }
    var isPaused: Bool { state.withLockedValue { $0.paused } }

    /// Listens on `port` (0: a free one) on 127.0.0.1; returns the port.
    func start(port: Int = 0) async throws -> Int {
        let bound: any Channel
        switch mode {
        case .udp:
            state.withLockedValue { $0.connections.append([]) }
            bound = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Datagrams(receiver: self)) }
                }
                .bind(host: "127.0.0.1", port: port).get()
        case .tcp(let framing):
            var bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            if let receiveBuffer { bootstrap = bootstrap.serverChannelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer)) }
            bound = try await bootstrap.childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = self.tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(Stream(receiver: self, index: self.open(channel), framing: framing))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        }
        listener.withLockedValue { $0 = bound }
        return bound.localAddress!.port!
    }

    /// Closes the listener and every connection, unread bytes and all.
    func kill() async {
        try? await listener.withLockedValue { $0 }?.close()
        let children = state.withLockedValue { s in
            defer { s.children = [] }
            return s.children
        }
        for child in children { try? await child.close() }
        state.withLockedValue { $0.paused = false }
    }

    private func open(_ channel: any Channel) -> Int {
        state.withLockedValue { s in
            s.children.append(channel)
            s.connections.append([])
            return s.connections.count - 1
        }
    }

    /// Parses one message into connection `index`; true when reading should pause now.
    fileprivate func receive(_ bytes: UnsafeRawBufferPointer, on index: Int) -> Bool {
        switch SyslogParser(now: 0).parse5424(bytes) {
        case .failure(let error):
            state.withLockedValue { $0.problems.append("\(error): \(String(decoding: bytes, as: UTF8.self))") }
            return false
        case .success(let m):
            func text(_ r: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self) }
            let message = Message(facility: m.facility, severity: m.severity, timestamp: m.timestamp, hostname: text(m.hostname),
                                  appname: text(m.appname), procid: text(m.procid), msgid: text(m.msgid),
                                  structuredData: text(m.structuredData), message: text(m.message))
            return state.withLockedValue { s in
                s.connections[index].append(message)
                s.received += 1
                guard let pauseAfter, !s.pausedBefore, s.received >= pauseAfter else { return false }
                s.paused = true
                s.pausedBefore = true
                return true
            }
        }
    }

    fileprivate func problem(_ text: String) { state.withLockedValue { $0.problems.append(text) } }

    private final class Stream: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let receiver: SyslogTestReceiver
        private let index: Int
        private let framing: SyslogFraming
        private var pending = ByteBuffer()
        private var framer = OctetCountingFramer(maxFrameBytes: 1 << 20, counts: .trusted)

        init(receiver: SyslogTestReceiver, index: Int, framing: SyslogFraming) {
            self.receiver = receiver
            self.index = index
            self.framing = framing
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            pending.writeBuffer(&bytes)
            var pause = false
            if framing == .newline {
                while let lf = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending.readSlice(length: lf - pending.readerIndex + 1)!
                    pause = line.withUnsafeReadableBytes { receiver.receive(UnsafeRawBufferPointer(rebasing: $0.dropLast()), on: index) } || pause
                }
                pending.discardReadBytes()
            } else {
                pending.withUnsafeReadableBytes { all in
                    loop: while true {
                        switch framer.next(all, isComplete: false) {
                        case .frame(let range): pause = receiver.receive(UnsafeRawBufferPointer(rebasing: all[range]), on: index) || pause
                        case .malformed(let range, let reason): receiver.problem("\(reason): \(String(decoding: UnsafeRawBufferPointer(rebasing: all[range]), as: UTF8.self))")
                        case .needMoreData, .end: break loop
                        }
                    }
                }
                let consumed = framer.position
                pending.moveReaderIndex(forwardBy: consumed)
                framer.rebase(droppingFirst: consumed)
                pending.discardReadBytes()
            }
            if pause { context.channel.setOption(.autoRead, value: false).whenComplete { _ in } }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    private final class Datagrams: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        private let receiver: SyslogTestReceiver

        init(receiver: SyslogTestReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let datagram = unwrapInboundIn(data).data
            _ = datagram.withUnsafeReadableBytes { receiver.receive($0, on: 0) }
        }
    }
}
