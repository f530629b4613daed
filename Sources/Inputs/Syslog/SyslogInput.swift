import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Pipeline

/// Receives syslog over UDP (one socket) or TCP (connections spread over one event loop per
/// core, each loop emitting through its own lane, so each connection's messages stay in order).
final class SyslogInput: InputStage, @unchecked Sendable {
    private let config: SyslogInputConfig
    private let state: SyslogState
    private let group: MultiThreadedEventLoopGroup
    private let lanes: [SyslogLane]
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger

    init(config: SyslogInputConfig, metrics: ComponentMetrics, logger: Logger) {
        self.config = config
        self.logger = logger
        state = SyslogState(config: config, metrics: metrics, log: RateLimitedLogger(logger: logger))
        group = MultiThreadedEventLoopGroup(numberOfThreads: config.producerLanes)
        lanes = group.makeIterator().map { SyslogLane(loop: $0) }
    }

    deinit { group.shutdownGracefully { _ in } }

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
        let state = self.state, lane = lanes[0]
        return try await DatagramBootstrap(group: lanes[0].loop)
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
        let state = self.state, lanes = self.lanes
        let idle = TimeAmount.nanoseconds(config.idleTimeout.nanoseconds)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let lane = lanes.first { $0.loop === channel.eventLoop }!
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(SyslogTCPHandler(state: state, lane: lane))
                }
            }
            .bind(host: config.host, port: config.port).get()
    }

    func run(_ context: InputContext) async throws {
        precondition(context.emitter.lanes.count == lanes.count, "BUG: syslog has \(lanes.count) event loops but \(context.emitter.lanes.count) lanes")
        for (index, lane) in lanes.enumerated() {
            let emitter = context.emitter.lane(index)
            try await lane.loop.submit { lane.emitter = emitter }.get()
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        // The barrier on every loop makes sure nothing still emits when the core closes the
        // downstream rings after `run` returns.
        for lane in lanes { try await lane.loop.submit { lane.stopping = true }.get() }
        try? await channel.withLockedValue { $0 }?.close()
        for lane in lanes { try await lane.loop.submit {}.get() }
    }
}
