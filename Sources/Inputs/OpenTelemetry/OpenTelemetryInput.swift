import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Pipeline

/// Serves OTLP/HTTP; each request becomes one batch (see `OTLPRequestHandler`).
///
/// Connections spread over the receiver's own event loops (one per core); each loop emits
/// through its own lane, so every downstream ring keeps one producer.
final class OpenTelemetryInput: InputStage, @unchecked Sendable {
    private let config: OpenTelemetryInputConfig
    private let state: OTLPReceiverState
    /// Loaded at build time, so a bad file stops start-up with its name.
    private let tls: NIOSSLContext?
    /// The same certificate offering ALPN `h2`, for `grpc_listen` with `tls`.
    private let grpcTLS: NIOSSLContext?
    private let loops: InputEventLoops
    /// The OTLP/HTTP listener, then the OTLP/gRPC one (when `grpc_listen` is set).
    private let channels = NIOLockedValueBox<[any Channel]>([])
    private let logger: Logger

    init(config: OpenTelemetryInputConfig, metrics: ComponentMetrics, logger: Logger) throws {
        tls = try config.tls?.makeContext()
        grpcTLS = try config.grpc == nil ? nil : config.tls.map(OTLPGRPCServer.tlsContext)
        self.config = config
        self.logger = logger
        state = OTLPReceiverState(config: config, metrics: metrics, log: RateLimitedLogger(logger: logger))
        loops = InputEventLoops(count: config.producerLanes)
    }

    /// The bound ports (after `prepare`): OTLP/HTTP, then OTLP/gRPC; for tests using port 0.
    var boundPorts: [Int] { channels.withLockedValue { $0.compactMap(\.localAddress?.port) } }

    func prepare() async throws {
        let state = self.state, loops = self.loops, tls = self.tls
        let idle = TimeAmount.nanoseconds(config.idleTimeout.nanoseconds)
        let bootstrap = ServerBootstrap(group: loops.group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                do {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle))
                    let lane = loops.lane(for: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(OTLPRequestHandler(state: state, lane: lane))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let http = try await Self.bind(bootstrap, config.host, config.port, option: "listen")
        channels.withLockedValue { $0.append(http) }
        logger.info("OTLP/HTTP listening on \(config.host):\(http.localAddress?.port ?? config.port)\(tls == nil ? "" : " (TLS)")")
        if let grpc = config.grpc {
            do {
                let bound = try await Self.bind(OTLPGRPCServer.bootstrap(loops: loops, state: state, tls: grpcTLS), grpc.host, grpc.port,
                                                option: "grpc_listen")
                channels.withLockedValue { $0.append(bound) }
                logger.info("OTLP/gRPC listening on \(grpc.host):\(bound.localAddress?.port ?? grpc.port)\(tls == nil ? "" : " (TLS)")")
            } catch {
                try? await http.close()
                throw error
            }
        }
    }

    private static func bind(_ bootstrap: ServerBootstrap, _ host: String, _ port: Int, option: String) async throws -> any Channel {
        do {
            return try await bootstrap.bind(host: host, port: port).get()
        } catch let error as IOError {
            throw PipectlError("\(option): cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode)))")
        }
    }

    func run(_ context: InputContext) async throws {
        // From the stop on, requests get 503 (`InputLane.stopping`).
        let channels = self.channels
        try await loops.run(context, name: "the OTLP receiver") { channels.withLockedValue { $0 } }
    }
}
