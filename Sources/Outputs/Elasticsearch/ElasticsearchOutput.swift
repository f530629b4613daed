import NIOSSL
import Pipeline

/// Drains the inbox into `_bulk` requests: events are encoded as they arrive into
/// `concurrency` lanes (`ElasticsearchShards`), each lane compresses its requests with its
/// own gzip state and delivers them, one at a time, through the shared `DeliveryDriver`.
///
/// With `buffer: {type: disk}` events go through the disk buffer first and are batched as
/// they are read back (`DeliveryInbox.consumeLogs`).
///
/// When the inbox closes, partial batches are flushed and requests in flight finish,
/// retrying as long as the pipeline's `shutdown_timeout` allows; cancelling the task
/// cancels them.
final class ElasticsearchOutput: OutputStage {
    let id: String
    let config: ElasticsearchOutputConfig
    let tls: TLSConfiguration?
    let deadLetter: DeliveryDeadLetter
    /// The disk buffer (`buffer: {type: disk}`); nil for the memory buffer.
    let disk: DeliveryDiskBuffer?

    init(id: String, config: ElasticsearchOutputConfig, tls: TLSConfiguration?, deadLetter: DeliveryDeadLetter,
         disk: DeliveryDiskBuffer? = nil) {
        self.id = id
        self.disk = disk
        self.config = config
        self.tls = tls
        self.deadLetter = deadLetter
    }

    var name: String { "elasticsearch(\(id))" }

    func run(_ context: OutputContext) async throws {
        let delivery = config.delivery
        // The client owns a connection pool: made here, shut down when the run ends.
        let transport = DeliveryHTTPTransport(options: config.bulkHTTP, tls: tls, protocolHeaders: config.protocolHeaders,
                                              requestTimeout: delivery.requestTimeout, connections: delivery.concurrency,
                                              maxResponseBody: config.maxResponseBody)
        let log = RateLimitedLogger(logger: context.logger)
        let driver = DeliveryDriver(name: name, wire: ElasticsearchProtocol(classifier: DeliveryHTTPClassifier(name: name, endpoint: transport.endpoint)),
                                    transport: transport, policy: delivery.retry,
                                    maxRequestSize: ElasticsearchOutputConfig.receiverLimit, deadLetter: deadLetter,
                                    metrics: context.metrics, log: log, clock: ContinuousClock())
        let lanes = DeliveryLanes(count: delivery.concurrency)
        let compressors = (0..<delivery.concurrency).map { _ in config.gzip ? ElasticsearchCompressor() : nil }
        await withTaskCancellationHandler {
            await DeliveryInbox.consumeLogs(context, disk: disk, replayEvents: 2 * delivery.batch.maxEvents,
                                            name: name, log: log) { holds in
                ElasticsearchShards(count: delivery.concurrency, limits: delivery.batch, encoder: config.encoder,
                                    holdsAcknowledgements: holds) { payload, lane in
                    let compressor = compressors[lane]
                    await lanes.submit(lane: lane) { await driver.deliver(payload.compressed(by: compressor), holding: holds) }
                }
            }
            await lanes.waitAll()
        } onCancel: {
            lanes.cancelAll()
        }
        await transport.shutdown()
    }
}
