import Pipeline

/// `netdev`: `node_network_{receive,transmit}_<column>_total{device}` for every column of
/// /proc/net/dev, for devices not matching `network.devices_exclude` (none by default).
///
/// ```
/// Inter-|   Receive                                  |  Transmit
///  face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs ...
///     lo: 71636240104 5497915 0 0 0 0 0 0 71636240104 5497915 0 ...
/// ```
/// The column names come from the second header line, so they are node_exporter's
/// (`receive_errs`, `transmit_colls`, …) on every kernel.
struct NetdevCollector: HostMetricsCollector {
    static let name = "netdev"

    let exclude: DevicePattern?

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("net/dev")
        var lines = ProcLines(bytes)
        _ = lines.next()
        guard let header = lines.next() else { throw HostMetricsError.malformed(scrape.paths.proc("net/dev"), "no header") }
        let names = Self.metricNames(bytes, header)
        for line in lines {
            // `  eth0: 123 …` (older kernels print `eth0:123` without a space).
            guard let colon = bytes[line.remainder].firstIndex(of: UInt8(ascii: ":")) else { continue }
            var nameFields = ProcFields(bytes: bytes, range: line.remainder.lowerBound..<colon)
            guard let nameRange = nameFields.next() else { continue }
            let device = bytes.string(nameRange)
            if exclude?.matches(device) == true { continue }
            let values = ProcFields(bytes: bytes, range: (colon + 1)..<line.remainder.upperBound)
            for (name, field) in zip(names, IteratorSequence(values)) {
                guard let value = bytes.unsigned(field) else {
                    throw HostMetricsError.malformed(scrape.paths.proc("net/dev"), "bad value for \(device)")
                }
                scrape.add(name, [("device", device)], Double(value), .counter)
            }
        }
    }

    /// `node_network_receive_bytes_total`, … from ` face |bytes packets …|bytes packets …`.
    static func metricNames(_ bytes: [UInt8], _ header: ProcFields) -> [String] {
        let groups = bytes[header.remainder].split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        guard groups.count >= 3 else { return [] }
        var names: [String] = []
        for (direction, group) in [("receive", groups[1]), ("transmit", groups[2])] {
            var fields = ProcFields(bytes: bytes, range: group.startIndex..<group.endIndex)
            while let column = fields.next() {
                names.append("node_network_\(direction)_\(bytes.string(column))_total")
            }
        }
        return names
    }
}
