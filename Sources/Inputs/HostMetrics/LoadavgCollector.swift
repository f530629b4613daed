import Pipeline

/// `loadavg`: `node_load1`, `node_load5`, `node_load15` from /proc/loadavg.
struct LoadavgCollector: HostMetricsCollector {
    static let name = "loadavg"
    private static let names = ["node_load1", "node_load5", "node_load15"]

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("loadavg")
        var fields = ProcFields(bytes: bytes, range: bytes.indices)
        for name in Self.names {
            guard let field = fields.next(), let load = bytes.decimal(field) else {
                throw HostMetricsError.malformed(scrape.paths.proc("loadavg"), "expected three load averages")
            }
            scrape.add(name, [], load, .gauge)
        }
    }
}
