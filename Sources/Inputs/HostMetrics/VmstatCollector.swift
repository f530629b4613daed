import Pipeline

/// `vmstat`: the /proc/vmstat fields node_exporter exports by default (its `--collector.vmstat.fields`
/// default `^(oom_kill|pgpg|pswp|pg.*fault).*`: pgpgin, pgpgout, pswpin, pswpout, pgfault,
/// pgmajfault, oom_kill), as `node_vmstat_<field>`.
///
/// node_exporter leaves them untyped; they are event counts, so they are counters here.
struct VmstatCollector: HostMetricsCollector {
    static let name = "vmstat"

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("vmstat")
        for var fields in ProcLines(bytes) {
            guard let key = fields.next(), Self.isExported(bytes, key),
                  let field = fields.next(), let value = bytes.unsigned(field) else { continue }
            scrape.add("node_vmstat_" + bytes.string(key), [], Double(value), .counter)
        }
    }

    /// The default field pattern, matched by hand: `oom_kill…`, `pgpg…`, `pswp…`, `pg…fault…`.
    static func isExported(_ bytes: [UInt8], _ key: Range<Int>) -> Bool {
        if bytes.hasPrefix(key, "oom_kill") || bytes.hasPrefix(key, "pgpg") || bytes.hasPrefix(key, "pswp") { return true }
        guard bytes.hasPrefix(key, "pg") else { return false }
        let fault = Array("fault".utf8)
        let rest = bytes[(key.lowerBound + 2)..<key.upperBound]
        return rest.count >= fault.count && rest.indices.dropLast(fault.count - 1).contains { i in
            bytes[i..<(i + fault.count)].elementsEqual(fault)
        }
    }
}
