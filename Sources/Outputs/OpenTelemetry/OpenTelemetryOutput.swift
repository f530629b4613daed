import Codecs
import NIOSSL
import Pipeline

/// Drains the inbox into OTLP/HTTP requests: each signal is batched into its own requests
/// (`OpenTelemetryShards`), and each request is delivered through the shared
/// `DeliveryDriver` of its signal (`OpenTelemetryProtocol`), over `concurrency` lanes.
///
/// With `buffer: {type: disk}` requests go through the disk buffer first
/// (`OpenTelemetryOutput+DiskBuffer`).
///
/// When the inbox closes, partial batches are flushed and requests in flight finish,
/// retrying as long as the pipeline's `shutdown_timeout` allows; cancelling the task cancels them.
final class OpenTelemetryOutput: OutputStage {
    /// The delivery driver of one signal's requests.
    typealias Driver<Payload: OpenTelemetryPayload> = DeliveryDriver<OpenTelemetryProtocol<Payload>, ContinuousClock>

    let id: String
    let config: OpenTelemetryOutputConfig
    let tls: TLSConfiguration?
    let deadLetter: DeliveryDeadLetter
    /// The disk buffer (`buffer: {type: disk}`); nil for the memory buffer.
    let disk: DeliveryDiskBuffer?

    init(id: String, config: OpenTelemetryOutputConfig, tls: TLSConfiguration?, deadLetter: DeliveryDeadLetter,
         disk: DeliveryDiskBuffer? = nil) {
        self.id = id
        self.config = config
        self.tls = tls
        self.deadLetter = deadLetter
        self.disk = disk
    }

    var name: String { "opentelemetry(\(id))" }

    func run(_ context: OutputContext) async throws {
        let delivery = config.delivery
        let log = RateLimitedLogger(logger: context.logger)
        // Each client owns a connection pool: made here, shut down when the run ends.
        let transports = Dictionary(uniqueKeysWithValues: OTLPSignal.allCases.map { signal in
            (signal, DeliveryHTTPTransport(options: config.http(for: signal), tls: tls, protocolHeaders: config.protocolHeaders,
                                           requestTimeout: delivery.requestTimeout, connections: delivery.concurrency,
                                           maxResponseBody: 64 * 1024))
        })
        func driver<Payload>(_ signal: OTLPSignal, _: Payload.Type) -> Driver<Payload> {
            let transport = transports[signal]!
            let classifier = DeliveryHTTPClassifier(name: name, endpoint: transport.endpoint)
            let wire = OpenTelemetryProtocol<Payload>(classifier: classifier, log: log)
            return DeliveryDriver(name: name, wire: wire, transport: transport, policy: delivery.retry,
                                  maxRequestSize: delivery.batch.maxBytes, deadLetter: deadLetter, metrics: context.metrics,
                                  log: log, clock: ContinuousClock())
        }
        if let disk {
            let drivers = Dictionary(uniqueKeysWithValues: OTLPSignal.allCases.map { ($0, driver($0, OpenTelemetryStoredPayload.self)) })
            await run(context, disk: disk, drivers: drivers, log: log)
        } else {
            await run(context, logs: driver(.logs, OpenTelemetryGroupedPayload<OpenTelemetryLogLayout>.self),
                      metrics: driver(.metrics, OpenTelemetryGroupedPayload<OpenTelemetryMetricLayout>.self),
                      spans: driver(.traces, OpenTelemetrySpanPayload.self), log: log)
        }
        for transport in transports.values { await transport.shutdown() }
    }

    /// The inbox loop with the memory buffer: each request straight to its signal's driver.
    private func run(_ context: OutputContext, logs: Driver<OpenTelemetryGroupedPayload<OpenTelemetryLogLayout>>,
                     metrics: Driver<OpenTelemetryGroupedPayload<OpenTelemetryMetricLayout>>,
                     spans: Driver<OpenTelemetrySpanPayload>, log: RateLimitedLogger) async {
        let delivery = config.delivery
        let lanes = DeliveryLanes(count: delivery.concurrency)
        await withTaskCancellationHandler {
            let submit = OpenTelemetryShards.Submit(
                logs: { payload, lane in await lanes.submit(lane: lane) { await logs.deliver(payload) } },
                metrics: { payload, lane in await lanes.submit(lane: lane) { await metrics.deliver(payload) } },
                spans: { payload, lane in await lanes.submit(lane: lane) { await spans.deliver(payload) } })
            var shards = OpenTelemetryShards(count: delivery.concurrency, limits: delivery.batch, compression: config.compression,
                                             submit: submit)
            await DeliveryInbox.consume(context, into: &shards, name: name, carries: "logs, metrics and spans", log: log)
            await lanes.waitAll()
        } onCancel: {
            lanes.cancelAll()
        }
    }
}
