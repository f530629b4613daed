import Logging
import NIOConcurrencyHelpers
import NIOCore
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

    func prepare() async throws {
        let state = self.state
        let bootstrap = HTTPInputServer.bootstrap(loops: loops, tls: tls, idleTimeout: config.idleTimeout) { lane in
            OTLPRequestHandler(state: state, lane: lane)
        }
        let http = try await HTTPInputServer.bind(bootstrap, host: config.host, port: config.port)
        channels.withLockedValue { $0.append(http) }
        logger.info("OTLP/HTTP listening on \(config.host):\(http.localAddress?.port ?? config.port)\(tls == nil ? "" : " (TLS)")")
        guard let grpc = config.grpc else { return }
        do {
            let bound = try await HTTPInputServer.bind(OTLPGRPCServer.bootstrap(loops: loops, state: state, tls: grpcTLS),
                                                       host: grpc.host, port: grpc.port, option: "grpc_listen")
            channels.withLockedValue { $0.append(bound) }
            logger.info("OTLP/gRPC listening on \(grpc.host):\(bound.localAddress?.port ?? grpc.port)\(tls == nil ? "" : " (TLS)")")
        } catch {
            try? await http.close()
            throw error
        }
    }

    func run(_ context: InputContext) async throws {
        // From the stop on, requests get 503 (`InputLane.stopping`).
        let channels = self.channels
        try await loops.run(context, name: "the OTLP receiver") { channels.withLockedValue { $0 } }
    }
}
