import AsyncHTTPClient
import Logging
import NIOSSL
import Pipeline
import Relabeling

/// Runs `prometheus_scrape`: one task per target, each scraping every `interval` from its own
/// offset (targets spread evenly over the interval), so a slow target never delays another.
/// The tasks hand their batches to the input's task, the single producer of its lane.
struct PrometheusScrapeInput: InputStage {
    let config: PrometheusScrapeInputConfig
    let targets: [PrometheusScrapeTarget]
    /// The loaded `tls` options, if any.
    let tls: TLSConfiguration?
    /// Each target's `metric_relabel` program, in `targets` order.
    let metricRelabel: [RelabelProgram?]
    let logger: Logger

    func run(_ context: InputContext) async throws {
        let client = makeClient(dnsOverride: [:])
        let log = RateLimitedLogger(logger: logger)
        // Unbounded, but a target adds one batch per interval: a stalled downstream makes it hold
        // at most one batch per target per interval of stall.
        let (batches, handoff) = AsyncStream<MetricBatch>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            for (i, target) in targets.enumerated() {
                let offset = config.interval / targets.count * i
                group.addTask {
                    guard let route = config.tls?.serverNameRoute(target.url) else {
                        return await scrapeLoop(target, target.url, metricRelabel[i], offset, client, context, log, handoff)
                    }
                    // SNI and verification use `server_name`; the client's DNS override connects to
                    // the target's host, so each target gets a client of its own.
                    let own = makeClient(dnsOverride: [route.serverName: route.host])
                    await scrapeLoop(target, route.url, metricRelabel[i], offset, own, context, log, handoff)
                    try? await own.shutdown()
                }
            }
            group.addTask {
                var received = batches.makeAsyncIterator()
                while let batch = await received.next() {
                    context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                    await context.emit(.metrics(consume batch))
                }
            }
            await group.waitForAll()
        }
        try? await client.shutdown()
    }

    private func makeClient(dnsOverride: [String: String]) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 10, allowCycles: false),
            timeout: .init(connect: .nanoseconds(config.timeout.nanoseconds)),
            decompression: .enabled(limit: .none))
        configuration.tlsConfiguration = tls
        configuration.dnsOverride = dnsOverride
        // Targets on one host (different paths or params) each keep their own connection.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(2, targets.count)
        // A scrape is one attempt, as in Prometheus: a connection or TLS failure fails it at once with
        // its reason, rather than being retried until the timeout hides it.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Scrapes `target` (requesting `url`) every interval from `offset` until cancelled.
    private func scrapeLoop(_ target: PrometheusScrapeTarget, _ url: String, _ metricRelabel: RelabelProgram?,
                            _ offset: Duration, _ client: HTTPClient, _ context: InputContext,
                            _ log: RateLimitedLogger, _ handoff: AsyncStream<MetricBatch>.Continuation) async {
        var scraper = PrometheusScraper(target: target, url: url, timeout: config.timeout, honorLabels: config.honorLabels,
                                        bodySizeLimit: config.bodySizeLimit, sampleLimit: config.sampleLimit,
                                        authorization: config.authorization, metricRelabel: metricRelabel)
        var next = ContinuousClock.now + offset
        while true {
            do { try await Task.sleep(until: next, clock: .continuous) } catch { return }
            let (batch, report) = await scraper.scrape(client)
            context.metrics.receivedBytes.wrappingIncrement(by: report.bodyBytes, ordering: .relaxed)
            if let failure = report.failure {
                context.metrics.errorCounter(failure.kind).wrappingIncrement(ordering: .relaxed)
                log.warning("prometheus_scrape(\(context.id)): \(target.url): \(failure.reason)")
            }
            if report.malformedLines > 0 {
                context.metrics.errorCounter("malformed_line").wrappingIncrement(by: report.malformedLines, ordering: .relaxed)
                log.warning("prometheus_scrape(\(context.id)): \(target.url): \(report.malformedLines) malformed "
                            + "lines, first at \(report.firstMalformed ?? "?")")
            }
            if report.duplicateSeries > 0 {
                context.metrics.errorCounter("duplicate_series").wrappingIncrement(by: report.duplicateSeries, ordering: .relaxed)
                log.warning("prometheus_scrape(\(context.id)): \(target.url): dropped \(report.duplicateSeries) samples "
                            + "repeating a series of the same page")
            }
            guard !Task.isCancelled else { return }
            handoff.yield(consume batch)
            // A scrape is over within `timeout` ≤ `interval`; missed slots (a suspended process) are skipped.
            next += config.interval
            let now = ContinuousClock.now
            while next < now { next += config.interval }
        }
    }
}
