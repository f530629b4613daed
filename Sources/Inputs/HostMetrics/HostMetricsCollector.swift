import Pipeline

/// One node_exporter collector: reads its files and appends its samples to a scrape.
protocol HostMetricsCollector: Sendable {
    /// The collector's name, as in `collectors:` and node_exporter's `--collector.<name>`.
    static var name: String { get }
    /// Appends this scrape's samples; throws when its source cannot be read.
    mutating func collect(into scrape: inout HostMetricsScrape) throws
}

/// The samples of one scrape, all stamped with the scrape's time.
struct HostMetricsScrape {
    var batch: MetricBatch
    /// Unix milliseconds, as `MetricBatch` stores them.
    let timestamp: Int64
    /// Where /proc and /sys are read from, and the reused file buffer.
    let paths: HostMetricsPaths
    var reader: ProcFileReader

    /// Appends one sample.
    mutating func add(_ name: String, _ labels: [(String, String)] = [], _ value: Double, _ kind: MetricKind) {
        batch.append(name: name, labels: labels, value: value, timestamp: timestamp, kind: kind)
    }

    /// Reads `<procfs_root>/<relative>` into `reader.bytes` and returns them.
    mutating func readProc(_ relative: String) throws -> [UInt8] {
        try reader.read(paths.proc(relative))
        return reader.bytes
    }
}

/// The roots the collectors read below (`procfs_root`, `sysfs_root`).
struct HostMetricsPaths: Sendable {
    let procfs: String
    let sysfs: String

    func proc(_ relative: String) -> String { Self.join(procfs, relative) }
    func sys(_ relative: String) -> String { Self.join(sysfs, relative) }

    private static func join(_ root: String, _ relative: String) -> String {
        root.hasSuffix("/") ? root + relative : root + "/" + relative
    }
}
