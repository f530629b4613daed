import Pipeline

/// `stat`: the system-wide lines of /proc/stat, as node_exporter's `stat` collector names them.
///
/// ```
/// intr 11898244 0 ...      → node_intr_total (the first number is the total)
/// ctxt 29159948            → node_context_switches_total
/// btime 1795970188         → node_boot_time_seconds
/// processes 312541         → node_forks_total
/// procs_running 2          → node_procs_running
/// procs_blocked 0          → node_procs_blocked
/// ```
struct StatCollector: HostMetricsCollector {
    static let name = "stat"

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("stat")
        var values: [String: Double] = [:]
        for var fields in ProcLines(bytes) {
            guard let key = fields.next(), let field = fields.next(), let value = bytes.unsigned(field) else { continue }
            let name: String? =
                if bytes.matches(key, "intr") { "node_intr_total" }
                else if bytes.matches(key, "ctxt") { "node_context_switches_total" }
                else if bytes.matches(key, "processes") { "node_forks_total" }
                else if bytes.matches(key, "btime") { "node_boot_time_seconds" }
                else if bytes.matches(key, "procs_running") { "node_procs_running" }
                else if bytes.matches(key, "procs_blocked") { "node_procs_blocked" }
                else { nil }
            if let name { values[name] = Double(value) }
        }
        for (name, kind) in [("node_intr_total", MetricKind.counter), ("node_context_switches_total", .counter),
                             ("node_forks_total", .counter), ("node_boot_time_seconds", .gauge),
                             ("node_procs_running", .gauge), ("node_procs_blocked", .gauge)] {
            guard let value = values[name] else {
                throw HostMetricsError.malformed(scrape.paths.proc("stat"), "no value for \(name)")
            }
            scrape.add(name, [], value, kind)
        }
    }
}
