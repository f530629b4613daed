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
    private let group: MultiThreadedEventLoopGroup
    private let lanes: [DrainLane]
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger

    init(config: HerokuDrainInputConfig, metrics: ComponentMetrics, logger: Logger) {
        self.config = config
        self.logger = logger
        state = DrainState(config: config, metrics: metrics, log: RateLimitedLogger(logger: logger))
        group = MultiThreadedEventLoopGroup(numberOfThreads: config.producerLanes)
        lanes = group.makeIterator().map { DrainLane(loop: $0) }
    }

    deinit { group.shutdownGracefully { _ in } }

    /// The bound port (after `prepare`), for tests using port 0.
    var boundPort: Int? { channel.withLockedValue { $0?.localAddress?.port } }

    func prepare() async throws {
        let tls = try makeTLSContext()
        let state = self.state, lanes = self.lanes
        let idle = TimeAmount.nanoseconds(config.idleTimeout.nanoseconds)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                do {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle))
                    let lane = lanes.first { $0.loop === channel.eventLoop }!
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
        precondition(context.emitter.lanes.count == lanes.count, "BUG: the drain has \(lanes.count) event loops but \(context.emitter.lanes.count) lanes")
        for (index, lane) in lanes.enumerated() {
            let emitter = context.emitter.lane(index)
            try await lane.loop.submit { lane.emitter = emitter }.get()
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        // From here on requests get 503; the barrier on every loop makes sure no request is
        // still emitting when the core closes the downstream rings after `run` returns.
        for lane in lanes { try await lane.loop.submit { lane.stopping = true }.get() }
        try? await channel.withLockedValue { $0 }?.close()
        for lane in lanes { try await lane.loop.submit {}.get() }
    }

    private func makeTLSContext() throws -> NIOSSLContext? {
        guard let certPath = config.tlsCertificate, let keyPath = config.tlsKey else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certPath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw PipectlError("tls: cannot load cert \(certPath) / key \(keyPath): \(error)")
        }
    }
}
