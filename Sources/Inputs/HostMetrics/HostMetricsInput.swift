import Logging
import Pipeline

/// Scrapes the host at once and then every `interval`, emitting one `MetricBatch` per scrape.
struct HostMetricsInput: InputStage {
    let interval: Duration
    let scraper: HostMetricsScraper
    let logger: Logger

    func run(_ context: InputContext) async throws {
        var scraper = scraper
        var failing: Set<String> = []
        var next = ContinuousClock.now
        while !Task.isCancelled {
            let (batch, failures) = scraper.scrape(timestamp: WallClock.milliseconds())
            report(failures, failing: &failing)
            context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            await context.emit(.metrics(batch))
            next += interval
            try await Task.sleep(until: next, clock: .continuous)
        }
    }

    /// Logs a collector when it starts failing and when it recovers, not at every scrape.
    private func report(_ failures: [(collector: String, error: any Error)], failing: inout Set<String>) {
        let now = Set(failures.map(\.collector))
        for (collector, error) in failures where !failing.contains(collector) {
            logger.warning("host_metrics: collector \(collector) failed: \(error)")
        }
        for collector in failing.subtracting(now) {
            logger.info("host_metrics: collector \(collector) works again")
        }
        failing = now
    }
}
