import Pipeline

/// `meminfo`: one gauge per /proc/meminfo line, named as node_exporter names them.
///
/// `Active(anon):  123 kB` becomes `node_memory_Active_anon_bytes` = 123 × 1024; a line
/// without a unit (`HugePages_Total:  0`) keeps its name and value (`node_memory_HugePages_Total`).
struct MeminfoCollector: HostMetricsCollector {
    static let name = "meminfo"

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("meminfo")
        for var fields in ProcLines(bytes) {
            guard let key = fields.next(), key.count > 1 else { continue }
            guard let valueRange = fields.next(), let value = bytes.unsigned(valueRange) else {
                throw HostMetricsError.malformed(scrape.paths.proc("meminfo"), "no value for \(bytes.string(key))")
            }
            let hasUnit = fields.next() != nil
            var name = "node_memory_" + Self.metricKey(bytes.string(key.lowerBound..<(key.upperBound - 1)))
            if hasUnit { name += "_bytes" }
            // node_exporter types a field ending in `_total` as a counter (none does today).
            let kind: MetricKind = name.hasSuffix("_total") ? .counter : .gauge
            scrape.add(name, [], Double(value) * (hasUnit ? 1024 : 1), kind)
        }
    }

    /// `Active(anon)` → `Active_anon`, as node_exporter's `\((.*)\)` → `_$1` rewrite does.
    static func metricKey(_ field: String) -> String {
        guard let open = field.firstIndex(of: "("), let close = field.lastIndex(of: ")"), open < close else { return field }
        return field[..<open] + "_" + field[field.index(after: open)..<close] + field[field.index(after: close)...]
    }
}
