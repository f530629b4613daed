#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// `time`: `node_time_seconds`, `node_time_zone_offset_seconds{time_zone}` and the clock
/// sources of /sys/devices/system/clocksource (`node_time_clocksource_available_info`,
/// `node_time_clocksource_current_info`, labelled `device` and `clocksource`).
struct TimeCollector: HostMetricsCollector {
    static let name = "time"

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let nanoseconds = WallClock.nanoseconds()
        scrape.add("node_time_seconds", [], Double(nanoseconds) / 1e9, .gauge)
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var local = tm()
        localtime_r(&seconds, &local)
        let zone = local.tm_zone.map { String(cString: $0) } ?? ""
        scrape.add("node_time_zone_offset_seconds", [("time_zone", zone)], Double(local.tm_gmtoff), .gauge)
        try collectClockSources(into: &scrape)
    }

    /// One `clocksourceN` directory after another, as node_exporter numbers them.
    private func collectClockSources(into scrape: inout HostMetricsScrape) throws {
        var index = 0
        while true {
            let dir = scrape.paths.sys("devices/system/clocksource/clocksource\(index)")
            guard ProcFileReader.exists(dir) else { return }
            let device = String(index)
            for source in try words(dir + "/available_clocksource", &scrape) {
                scrape.add("node_time_clocksource_available_info", [("clocksource", source), ("device", device)], 1, .gauge)
            }
            for source in try words(dir + "/current_clocksource", &scrape) {
                scrape.add("node_time_clocksource_current_info", [("clocksource", source), ("device", device)], 1, .gauge)
            }
            index += 1
        }
    }

    /// The whitespace-separated words of the file at `path`.
    private func words(_ path: String, _ scrape: inout HostMetricsScrape) throws -> [String] {
        try scrape.reader.read(path)
        let bytes = scrape.reader.bytes
        return ProcFields(bytes: bytes, range: bytes.indices).map { bytes.string($0) }
    }
}
