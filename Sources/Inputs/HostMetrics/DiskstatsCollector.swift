import Pipeline

/// `diskstats`: `node_disk_*{device}` from /proc/diskstats, for devices not matching
/// `disk.devices_exclude`.
///
/// ```
///  254  0 vda  1353908 60368 49132762 2107121  641306 ... 5887
///  major minor  reads  merged  sectors  ms      writes ...
/// ```
/// Sectors are 512 bytes, times are milliseconds. Kernels before 4.18 print 11 values,
/// before 5.5 15 (no flushes); only the values present are emitted, as node_exporter does.
struct DiskstatsCollector: HostMetricsCollector {
    static let name = "diskstats"
    /// node_exporter's default `--collector.diskstats.device-exclude`: partitions and
    /// ram, loop and floppy devices.
    static let defaultExclude = #"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"#

    /// Name, kind and scale of each value column, in file order.
    private static let columns: [(String, MetricKind, Double)] = [
        ("node_disk_reads_completed_total", .counter, 1),
        ("node_disk_reads_merged_total", .counter, 1),
        ("node_disk_read_bytes_total", .counter, 512),
        ("node_disk_read_time_seconds_total", .counter, 0.001),
        ("node_disk_writes_completed_total", .counter, 1),
        ("node_disk_writes_merged_total", .counter, 1),
        ("node_disk_written_bytes_total", .counter, 512),
        ("node_disk_write_time_seconds_total", .counter, 0.001),
        ("node_disk_io_now", .gauge, 1),
        ("node_disk_io_time_seconds_total", .counter, 0.001),
        ("node_disk_io_time_weighted_seconds_total", .counter, 0.001),
        ("node_disk_discards_completed_total", .counter, 1),
        ("node_disk_discards_merged_total", .counter, 1),
        ("node_disk_discarded_sectors_total", .counter, 1),
        ("node_disk_discard_time_seconds_total", .counter, 0.001),
        ("node_disk_flush_requests_total", .counter, 1),
        ("node_disk_flush_requests_time_seconds_total", .counter, 0.001),
    ]

    let exclude: DevicePattern?

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("diskstats")
        for var fields in ProcLines(bytes) {
            guard fields.next() != nil, fields.next() != nil, let nameRange = fields.next() else { continue }
            let device = bytes.string(nameRange)
            if exclude?.matches(device) == true { continue }
            for (column, field) in zip(Self.columns, IteratorSequence(fields)) {
                guard let value = bytes.unsigned(field) else {
                    throw HostMetricsError.malformed(scrape.paths.proc("diskstats"), "bad value for \(device)")
                }
                scrape.add(column.0, [("device", device)], Double(value) * column.2, column.1)
            }
        }
    }
}
