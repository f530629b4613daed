import Pipeline

/// Runs the chosen collectors once per scrape and adds node_exporter's own
/// `node_scrape_collector_success{collector}` and `node_scrape_collector_duration_seconds{collector}`.
struct HostMetricsScraper: Sendable {
    let paths: HostMetricsPaths
    private(set) var collectors: [any HostMetricsCollector]
    private var reader = ProcFileReader()

    init(paths: HostMetricsPaths, collectors: [any HostMetricsCollector]) {
        self.paths = paths
        self.collectors = collectors
    }

    /// One scrape stamped `timestamp` (Unix milliseconds), and the collectors that failed, with why.
    mutating func scrape(timestamp: Int64) -> (MetricBatch, failures: [(collector: String, error: any Error)]) {
        var scrape = HostMetricsScrape(batch: MetricBatch(capacity: 1024), timestamp: timestamp, paths: paths, reader: reader)
        reader = ProcFileReader(capacity: 0)  // the scrape holds the buffer meanwhile
        var failures: [(String, any Error)] = []
        for i in collectors.indices {
            let name = type(of: collectors[i]).name
            let start = ContinuousClock.now
            var succeeded = 1.0
            do {
                try collectors[i].collect(into: &scrape)
            } catch {
                succeeded = 0
                failures.append((name, error))
            }
            let elapsed = (ContinuousClock.now - start) / .seconds(1)
            scrape.add("node_scrape_collector_duration_seconds", [("collector", name)], elapsed, .gauge)
            scrape.add("node_scrape_collector_success", [("collector", name)], succeeded, .gauge)
        }
        reader = scrape.reader
        return (scrape.batch, failures)
    }
}
