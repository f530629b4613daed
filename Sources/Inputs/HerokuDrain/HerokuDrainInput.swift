import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Pipeline

/// Serves the drain endpoint; each request's frames become one batch (see `DrainRequestHandler`).
///
/// Connections spread over the drain's own event loops (one per core, not shared with the
/// HTTP clients of outputs); each loop emits through its own lane, so every downstream ring
/// keeps one producer and each connection's requests stay in order.
final class HerokuDrainInput: InputStage, @unchecked Sendable {
    private let config: HerokuDrainInputConfig
    private let state: DrainState
    /// Loaded at build time, so a bad file stops start-up with its name.
    private let tls: NIOSSLContext?
    private let loops: InputEventLoops
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger

    init(config: HerokuDrainInputConfig, metrics: ComponentMetrics, logger: Logger) throws {
        tls = try config.tls?.makeContext()
        self.config = config
        self.logger = logger
        state = DrainState(config: config, metrics: metrics, log: RateLimitedLogger(logger: logger))
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
                    try channel.pipeline.syncOperations.addHandler(DrainRequestHandler(state: state, lane: lane))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        do {
            let bound = try await bootstrap.bind(host: config.host, port: config.port).get()
            channel.withLockedValue { $0 = bound }
            logger.info("drain listening on \(config.host):\(bound.localAddress?.port ?? config.port)\(tls == nil ? "" : " (TLS)") path \(config.path)")
        } catch let error as IOError {
            throw PipectlError("listen: cannot listen on \(config.host):\(config.port): \(String(cString: strerror(error.errnoCode)))")
        }
    }

    func run(_ context: InputContext) async throws {
        // From the stop on, requests get 503 (`InputLane.stopping`).
        let channel = self.channel
        try await loops.run(context, name: "the drain") { channel.withLockedValue { $0.map { [$0] } ?? [] } }
    }
}
