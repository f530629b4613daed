import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Pipeline
import TLSOptions

/// The OTLP/gRPC listener (`grpc_listen`): HTTP/2 over TCP (prior knowledge, as gRPC clients
/// speak it without TLS) or TLS with ALPN `h2`, on the input's own event loops; each stream is
/// one call (`OTLPGRPCHandler`), emitting through its connection's loop lane.
///
/// Written on NIO's HTTP/2 rather than grpc-swift: OTLP/gRPC is three unary methods with
/// protobuf bodies the input decodes itself, and swift-nio-http2 is already built for the
/// HTTP client, so it costs no dependency and no build time.
enum OTLPGRPCServer {
    /// A TLS context for gRPC: the input's certificate and key, offering `h2` by ALPN.
    static func tlsContext(_ options: ServerTLSOptions) throws -> NIOSSLContext {
        var configuration = try options.makeConfiguration()
        configuration.applicationProtocols = ["h2"]
        return try NIOSSLContext(configuration: configuration)
    }

    /// Calls a connection may have open at once: each buffers a body of up to `max_body_bytes`,
    /// so NIO's default of 100 would let one connection hold 100 of them.
    static let maxConcurrentStreams = 16

    static func bootstrap(loops: InputEventLoops, state: OTLPReceiverState, tls: NIOSSLContext?) -> ServerBootstrap {
        let idle = TimeAmount.nanoseconds(state.config.idleTimeout.nanoseconds)
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = nioDefaultSettings.filter { $0.parameter != .maxConcurrentStreams }
            + [HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams)]
        let connection = configuration
        return ServerBootstrap(group: loops.group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.addHandler(IdleStateHandler(allTimeout: idle))
                    try sync.addHandler(OTLPGRPCConnectionLimit(state: state))
                    let lane = loops.lane(for: channel.eventLoop)
                    _ = try sync.configureHTTP2Pipeline(
                        mode: .server, connectionConfiguration: connection, streamConfiguration: .init()
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandlers(
                                HTTP2FramePayloadToHTTP1ServerCodec(), OTLPGRPCHandler(state: state, lane: lane))
                        }
                    }
                }
            }
    }
}

/// Closes gRPC connections over `max_connections` (they share the count with OTLP/HTTP ones)
/// and idle ones.
final class OTLPGRPCConnectionLimit: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    private let state: OTLPReceiverState

    init(state: OTLPReceiverState) { self.state = state }

    func channelActive(context: ChannelHandlerContext) {
        let open = state.connections.wrappingIncrementThenLoad(ordering: .relaxed)
        if open > state.config.maxConnections {
            state.refused(503, nil, "(gRPC) connection over max_connections (\(state.config.maxConnections))")
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.connections.wrappingDecrement(ordering: .relaxed)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }
}
