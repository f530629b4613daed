import NIOConcurrencyHelpers
import NIOSSL
import Pipeline

/// Drains the inbox into syslog frames: events are spread over `concurrency` lanes by
/// source (`SyslogShards`), batched, and each batch is delivered through the shared
/// `DeliveryDriver` on its lane's own connection (tcp, tls: `DeliveryStreamTransport`) or
/// socket (udp: `DeliveryDatagramTransport`).
///
/// With `buffer: {type: disk}` events go through the disk buffer first and are batched as
/// they are read back (`DeliveryInbox.consume(_:through:)`).
///
/// When the inbox closes, partial batches are flushed, and each stream lane makes sure its
/// receiver's TCP has acknowledged every write (`DeliveryDriver.finish`), within the
/// pipeline's `shutdown_timeout`.
final class SyslogOutput: OutputStage {
    let id: String
    let config: SyslogOutputConfig
    let tls: TLSConfiguration?
    let deadLetter: DeliveryDeadLetter
    /// The disk buffer (`buffer: {type: disk}`); nil for the memory buffer.
    let disk: DeliveryDiskBuffer?
    /// The stream lanes' transports while running (tcp, tls).
    private let streams = NIOLockedValueBox<[DeliveryStreamTransport]>([])

    init(id: String, config: SyslogOutputConfig, tls: TLSConfiguration?, deadLetter: DeliveryDeadLetter,
         disk: DeliveryDiskBuffer? = nil) {
        self.id = id
        self.disk = disk
        self.config = config
        self.tls = tls
        self.deadLetter = deadLetter
    }

    var name: String { "syslog(\(id))" }

    /// Events written again after reconnects, over every lane (each may have reached the receiver twice).
    var replayedEvents: Int {
        streams.withLockedValue { $0.reduce(0) { $0 + $1.replayedEvents.load(ordering: .relaxed) } }
    }

    func run(_ context: OutputContext) async throws {
        let log = RateLimitedLogger(logger: context.logger)
        let delivery = config.delivery
        if config.mode == .udp {
            let drivers = (0..<delivery.concurrency).map { _ in
                let transport = DeliveryDatagramTransport(host: config.host, port: config.port)
                return DeliveryDriver(name: name, wire: SyslogDatagramProtocol(name: name, endpoint: transport.endpoint),
                                      transport: transport, policy: delivery.retry, deadLetter: deadLetter,
                                      metrics: context.metrics, log: log, clock: ContinuousClock())
            }
            await consume(context, drivers: drivers)
            for driver in drivers { await driver.transport.shutdown() }
            return
        }
        let drivers = try (0..<delivery.concurrency).map { _ in
            let transport = try DeliveryStreamTransport(
                name: name, host: config.host, port: config.port, tls: tls, serverName: config.tls?.serverName,
                confirmation: .tcpAcknowledged(tail: config.replayTail), timeout: delivery.requestTimeout,
                metrics: context.metrics, log: log)
            return DeliveryDriver(name: name, wire: SyslogStreamProtocol(classifier: DeliveryStreamClassifier(name: name, endpoint: transport.endpoint)),
                                  transport: transport, policy: delivery.retry, deadLetter: deadLetter,
                                  metrics: context.metrics, log: log, clock: ContinuousClock())
        }
        streams.withLockedValue { $0 = drivers.map(\.transport) }
        await consume(context, drivers: drivers)
        await withTaskGroup(of: Void.self) { group in
            for driver in drivers { group.addTask { await driver.finish() } }
        }
        for driver in drivers { await driver.transport.shutdown() }
    }

    /// The inbox loop: events into lanes, each lane's batches through its driver, one at a time.
    private func consume<P: DeliveryProtocol>(_ context: OutputContext, drivers: [DeliveryDriver<P, ContinuousClock>]) async
    where P.Payload == SyslogPayload {
        let lanes = DeliveryLanes(count: drivers.count)
        let log = RateLimitedLogger(logger: context.logger)
        await withTaskCancellationHandler {
            let encoder = SyslogShard.SharedEncoder(config.makeEncoder(), truncated: context.metrics.errorCounter("truncated"))
            await DeliveryInbox.consumeLogs(context, disk: disk, replayEvents: 2 * config.delivery.batch.maxEvents,
                                            name: name, log: log) { holds in
                SyslogShards(count: drivers.count, limits: config.delivery.batch, encoder: encoder,
                             holdsAcknowledgements: holds) { payload, lane in
                    await lanes.submit(lane: lane) { await drivers[lane].deliver(payload, holding: holds) }
                }
            }
            await lanes.waitAll()
        } onCancel: {
            lanes.cancelAll()
        }
    }
}
