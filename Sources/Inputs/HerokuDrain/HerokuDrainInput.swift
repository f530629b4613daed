import Logging
import NIOConcurrencyHelpers
import NIOCore
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
        let state = self.state
        let bootstrap = HTTPInputServer.bootstrap(loops: loops, tls: tls, idleTimeout: config.idleTimeout) { lane in
            DrainRequestHandler(state: state, lane: lane)
        }
        let bound = try await HTTPInputServer.bind(bootstrap, host: config.host, port: config.port)
        channel.withLockedValue { $0 = bound }
        logger.info("drain listening on \(config.host):\(bound.localAddress?.port ?? config.port)\(tls == nil ? "" : " (TLS)") path \(config.path)")
    }

    func run(_ context: InputContext) async throws {
        // From the stop on, requests get 503 (`InputLane.stopping`).
        let channel = self.channel
        try await loops.run(context, name: "the drain") { channel.withLockedValue { $0.map { [$0] } ?? [] } }
    }
}
