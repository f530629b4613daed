import NIOSSL
import Pipeline

/// Drains the inbox into PutLogEvents requests: events are checked (`CloudWatchLogsRefusal`),
/// spread over `concurrency` lanes by stream and batched (`CloudWatchLogsShards`); each flush
/// gives one payload per stream, delivered in order on the lane through the shared
/// `DeliveryDriver` (`CloudWatchLogsProtocol`: signing, answers, missing groups and streams).
///
/// With `buffer: {type: disk}` events go through the disk buffer first and are batched as
/// they are read back (`DeliveryInbox.consumeLogs`).
///
/// When the inbox closes, partial batches are flushed and requests in flight finish,
/// retrying as long as the pipeline's `shutdown_timeout` allows.
final class CloudWatchLogsOutput: OutputStage {
    /// Bytes of an answer kept: enough for `rejectedLogEventsInfo` and any error's type and message.
    static let maxResponseBody = 64 * 1024

    let id: String
    let config: CloudWatchLogsOutputConfig
    let resolved: CloudWatchLogsOutputConfig.Resolved
    let tls: TLSConfiguration?
    let deadLetter: DeliveryDeadLetter
    /// The disk buffer (`buffer: {type: disk}`); nil for the memory buffer.
    let disk: DeliveryDiskBuffer?
    /// Unix nanoseconds now: for signatures and the age checks.
    let wallClock: @Sendable () -> Int64

    init(id: String, config: CloudWatchLogsOutputConfig, resolved: CloudWatchLogsOutputConfig.Resolved, tls: TLSConfiguration?,
         deadLetter: DeliveryDeadLetter, disk: DeliveryDiskBuffer? = nil,
         wallClock: @escaping @Sendable () -> Int64 = WallClock.nanoseconds) {
        self.id = id
        self.disk = disk
        self.config = config
        self.resolved = resolved
        self.tls = tls
        self.deadLetter = deadLetter
        self.wallClock = wallClock
    }

    var name: String { "cloudwatch_logs(\(id))" }

    func run(_ context: OutputContext) async throws {
        let delivery = config.delivery
        let log = RateLimitedLogger(logger: context.logger)
        // The client owns a connection pool: made here, shut down when the run ends.
        let transport = DeliveryHTTPTransport(
            options: DeliveryHTTPOptions(url: resolved.endpoint, tls: config.tls), tls: tls,
            protocolHeaders: [("Content-Type", CloudWatchLogsRequestSigner.contentType), ("User-Agent", "pipectl/0.1")],
            requestTimeout: delivery.requestTimeout, connections: delivery.concurrency, maxResponseBody: Self.maxResponseBody)
        let driver = DeliveryDriver(name: name, wire: makeProtocol(endpoint: transport.endpoint), transport: transport,
                                    policy: delivery.retry, maxRequestSize: delivery.batch.maxBytes, deadLetter: deadLetter,
                                    metrics: context.metrics, log: log, clock: ContinuousClock())
        let refused = CloudWatchLogsDeadLetters(name: name, endpoint: transport.endpoint, deadLetter: deadLetter,
                                                metrics: context.metrics, log: log)
        let lanes = DeliveryLanes(count: delivery.concurrency)
        await withTaskCancellationHandler {
            await DeliveryInbox.consumeLogs(context, disk: disk, replayEvents: 2 * delivery.batch.maxEvents,
                                            name: name, log: log) { holds in
                CloudWatchLogsShards(
                    count: delivery.concurrency, limits: delivery.batch,
                    streamKey: CloudWatchLogsStreamKey(group: config.group, stream: config.stream), encoder: config.makeEncoder(),
                    refused: refused, wallClock: wallClock, holdsAcknowledgements: holds) { payloads, lane in
                    await lanes.submit(lane: lane) {
                        for payload in payloads { await driver.deliver(payload, holding: holds) }
                    }
                }
            }
            await lanes.waitAll()
        } onCancel: {
            lanes.cancelAll()
        }
        await transport.shutdown()
    }

    /// The protocol for requests to `endpoint`, signed with the resolved credentials.
    func makeProtocol<T>(endpoint: String) -> CloudWatchLogsProtocol<T> {
        let url = ConfigValues.httpURL(resolved.endpoint)
        let defaultPort = url?.scheme == "https" ? 443 : 80
        var host = url?.host ?? ""
        if host.contains(":") { host = "[\(host)]" }  // IPv6
        if let port = url?.port, port != defaultPort { host += ":\(port)" }
        let wallClock = self.wallClock
        let signer = CloudWatchLogsRequestSigner(
            signer: AWSSigV4Signer(credentials: resolved.credentials, region: resolved.region, service: "logs"),
            host: host, path: url?.path ?? "/", unixSeconds: { wallClock() / 1_000_000_000 })
        return CloudWatchLogsProtocol(name: name, endpoint: endpoint, signer: signer,
                                      createMissingGroup: config.createMissingGroup, createMissingStream: config.createMissingStream)
    }
}
