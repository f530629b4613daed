import NIOSSL
import Pipeline

/// Drains the inbox into Loki pushes: events are rendered and spread over `concurrency`
/// lanes by stream (`LokiShards`), batched, and each push is delivered through the shared
/// `DeliveryDriver` (`LokiProtocol`).
///
/// With `buffer: {type: disk}` events go through the disk buffer first and are batched as
/// they are read back (`DeliveryInbox.consumeLogs`).
///
/// When the inbox closes, partial batches are flushed and pushes in flight finish, retrying
/// as long as the pipeline's `shutdown_timeout` allows; cancelling the task cancels them.
final class LokiOutput: OutputStage {
    let id: String
    let config: LokiOutputConfig
    let tls: TLSConfiguration?
    let deadLetter: DeliveryDeadLetter
    /// The disk buffer (`buffer: {type: disk}`); nil for the memory buffer.
    let disk: DeliveryDiskBuffer?

    init(id: String, config: LokiOutputConfig, tls: TLSConfiguration?, deadLetter: DeliveryDeadLetter,
         disk: DeliveryDiskBuffer? = nil) {
        self.id = id
        self.disk = disk
        self.config = config
        self.tls = tls
        self.deadLetter = deadLetter
    }

    var name: String { "loki(\(id))" }

    func run(_ context: OutputContext) async throws {
        let delivery = config.delivery
        let log = RateLimitedLogger(logger: context.logger)
        // The client owns a connection pool: made here, shut down when the run ends.
        let transport = DeliveryHTTPTransport(options: config.http, tls: tls, protocolHeaders: config.protocolHeaders,
                                              requestTimeout: delivery.requestTimeout, connections: delivery.concurrency)
        let driver = DeliveryDriver(name: name, wire: LokiProtocol(classifier: DeliveryHTTPClassifier(name: name, endpoint: transport.endpoint)),
                                    transport: transport, policy: delivery.retry, maxRequestSize: delivery.batch.maxBytes,
                                    deadLetter: deadLetter, metrics: context.metrics, log: log, clock: ContinuousClock())
        let rendering = LokiEventRendering(format: config.format, truncated: context.metrics.errorCounter("truncated"),
                                           dropped: context.metrics.dropCounter("line_too_long"), log: log, name: name)
        let lanes = DeliveryLanes(count: delivery.concurrency)
        await withTaskCancellationHandler {
            await DeliveryInbox.consumeLogs(context, disk: disk, replayEvents: 2 * delivery.batch.maxEvents,
                                            name: name, log: log) { holds in
                LokiShards(count: delivery.concurrency, limits: delivery.batch, rendering: rendering,
                           holdsAcknowledgements: holds) { payload, lane in
                    guard payload.eventCount > 0 else { return }  // every line was dropped (nothing held)
                    await lanes.submit(lane: lane) { await driver.deliver(payload, holding: holds) }
                }
            }
            await lanes.waitAll()
        } onCancel: {
            lanes.cancelAll()
        }
        await transport.shutdown()
    }
}
