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
    private let loops: InputEventLoops
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger

    init(config: OpenTelemetryInputConfig, metrics: ComponentMetrics, logger: Logger) throws {
        tls = try config.tls?.makeContext()
        self.config = config
        self.logger = logger
        state = OTLPReceiverState(config: config, metrics: metrics, log: RateLimitedLogger(logger: logger))
        loops = InputEventLoops(count: config.producerLanes)
    }

    /// The bound port (after `prepare`), for tests using port 0.
    var boundPort: Int? { channel.withLockedValue { $0?.localAddress?.port } }

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
        do {
            let bound = try await bootstrap.bind(host: config.host, port: config.port).get()
            channel.withLockedValue { $0 = bound }
            logger.info("OTLP/HTTP listening on \(config.host):\(bound.localAddress?.port ?? config.port)\(tls == nil ? "" : " (TLS)")")
        } catch let error as IOError {
            throw PipectlError("listen: cannot listen on \(config.host):\(config.port): \(String(cString: strerror(error.errnoCode)))")
        }
    }

    func run(_ context: InputContext) async throws {
        // From the stop on, requests get 503 (`InputLane.stopping`).
        let channel = self.channel
        try await loops.run(context, name: "the OTLP receiver") { channel.withLockedValue { $0.map { [$0] } ?? [] } }
    }
}
