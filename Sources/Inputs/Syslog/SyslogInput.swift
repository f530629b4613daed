import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Pipeline

/// Receives syslog over UDP (one socket) or TCP/TLS (connections spread over one event loop per
/// core, each loop emitting through its own lane, so each connection's messages stay in order).
final class SyslogInput: InputStage, @unchecked Sendable {
    private let config: SyslogInputConfig
    private let state: SyslogState
    /// Loaded at build time (tls mode), so a bad file stops start-up with its name.
    private let tls: NIOSSLContext?
    private let loops: InputEventLoops
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger

    init(config: SyslogInputConfig, metrics: ComponentMetrics, logger: Logger) throws {
        tls = try config.tls?.makeContext()
        self.config = config
        self.logger = logger
        state = SyslogState(config: config, metrics: metrics, log: RateLimitedLogger(logger: logger))
        loops = InputEventLoops(count: config.producerLanes)
    }

    /// The bound port (after `prepare`), for tests using port 0.
    var boundPort: Int? { channel.withLockedValue { $0?.localAddress?.port } }

    func prepare() async throws {
        do {
            let bound = try await (config.mode == .udp ? bindUDP() : bindTCP())
            channel.withLockedValue { $0 = bound }
            logger.info("syslog listening on \(config.mode.rawValue) \(config.host):\(bound.localAddress?.port ?? config.port)")
        } catch let error as IOError {
            throw PipectlError("listen: cannot listen on \(config.mode.rawValue) \(config.host):\(config.port): \(String(cString: strerror(error.errnoCode)))")
        }
    }

    private func bindUDP() async throws -> any Channel {
        let state = self.state, lane = loops.lanes[0]
        return try await DatagramBootstrap(group: lane.loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.maxMessagesPerRead, value: 64)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: config.maxMessageBytes + 2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SyslogUDPHandler(state: state, lane: lane))
                }
            }
            .bind(host: config.host, port: config.port).get()
    }

    private func bindTCP() async throws -> any Channel {
        let state = self.state, loops = self.loops, tls = self.tls
        let idle = TimeAmount.nanoseconds(config.idleTimeout.nanoseconds)
        return try await ServerBootstrap(group: loops.group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let lane = loops.lane(for: channel.eventLoop)
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(SyslogTCPHandler(state: state, lane: lane))
                }
            }
            .bind(host: config.host, port: config.port).get()
    }

    func run(_ context: InputContext) async throws {
        let channel = self.channel
        try await loops.run(context, name: "syslog") { channel.withLockedValue { $0.map { [$0] } ?? [] } }
    }
}
