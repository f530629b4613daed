import Atomics
import NIOSSL
import Pipeline

/// Drains the inbox into remote-write requests: shards and batches samples
/// (`RemoteWriteShards`), delivers each request through the shared `DeliveryDriver`.
///
/// With `buffer: {type: disk}` requests go through the disk buffer first
/// (`RemoteWriteOutput+DiskBuffer`).
///
/// When the inbox closes, partial batches are flushed and requests in flight finish,
/// retrying as long as the pipeline's `shutdown_timeout` allows; cancelling the task
/// cancels them.
final class RemoteWriteOutput: OutputStage {
    let id: String
    let http: DeliveryHTTPOptions
    let delivery: DeliveryOptions
    let tls: TLSConfiguration?
    let deadLetter: DeliveryDeadLetter
    /// The disk buffer (`buffer: {type: disk}`); nil for the memory buffer.
    let disk: DeliveryDiskBuffer?

    init(id: String, http: DeliveryHTTPOptions, delivery: DeliveryOptions, tls: TLSConfiguration?,
         deadLetter: DeliveryDeadLetter, disk: DeliveryDiskBuffer? = nil) {
        self.id = id
        self.disk = disk
        self.http = http
        self.delivery = delivery
        self.tls = tls
        self.deadLetter = deadLetter
    }

    func run(_ context: OutputContext) async throws {
        // The client owns a connection pool: made here, shut down when the run ends.
        let transport = DeliveryHTTPTransport(options: http, tls: tls, protocolHeaders: RemoteWriteOutputConfig.protocolHeaders,
                                              requestTimeout: delivery.requestTimeout, connections: delivery.concurrency)
        let name = "prometheus_remote_write(\(id))"
        if let disk {
            let wire = RemoteWriteStoredProtocol<DeliveryHTTPTransport>(
                classifier: DeliveryHTTPClassifier(name: name, endpoint: transport.endpoint))
            let driver = DeliveryDriver(name: name, wire: wire, transport: transport, policy: delivery.retry,
                                        maxRequestSize: delivery.batch.maxBytes, deadLetter: deadLetter,
                                        metrics: context.metrics, log: RateLimitedLogger(logger: context.logger),
                                        clock: ContinuousClock())
            await Self.run(context, driver: driver, delivery: delivery, disk: disk)
            await transport.shutdown()
            return
        }
        let wire = RemoteWriteProtocol(classifier: DeliveryHTTPClassifier(name: name, endpoint: transport.endpoint))
        let driver = DeliveryDriver(name: name, wire: wire, transport: transport, policy: delivery.retry,
                                    maxRequestSize: delivery.batch.maxBytes, deadLetter: deadLetter,
                                    metrics: context.metrics, log: RateLimitedLogger(logger: context.logger),
                                    clock: ContinuousClock())
        await Self.run(context, driver: driver, delivery: delivery)
        await transport.shutdown()
    }

    /// The inbox loop, on any clock.
    static func run<C: Clock>(_ context: OutputContext, driver: DeliveryDriver<RemoteWriteProtocol, C>,
                              delivery: DeliveryOptions) async {
        let lanes = DeliveryLanes(count: delivery.concurrency)
        await withTaskCancellationHandler {
            var shards = RemoteWriteShards(count: delivery.concurrency, limits: delivery.batch) { payload, lane in
                await lanes.submit(lane: lane) { await driver.deliver(payload) }
            }
            await DeliveryInbox.consume(context, into: &shards, name: driver.name, carries: "metrics", log: RateLimitedLogger(logger: context.logger))
            await lanes.waitAll()
        } onCancel: {
            lanes.cancelAll()
        }
    }

}
