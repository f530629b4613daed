#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// `cpu`: `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total{cpu,mode}`
/// from the `cpuN` lines of /proc/stat.
///
/// The kernel counts in USER_HZ ticks (`sysconf(_SC_CLK_TCK)`, 100 on Linux, the value
/// node_exporter's procfs library assumes). As node_exporter does, a counter that goes
/// backwards (iowait does, per proc(5)) keeps its previous value, and a CPU whose idle time
/// jumps back by 3 s or more (hotplug) starts afresh.
struct CPUCollector: HostMetricsCollector {
    static let name = "cpu"
    /// The /proc/stat columns after `cpuN`, in order.
    static let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]
    private static let idle = 3
    private static let jumpBackSeconds = 3.0

    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// The last values emitted, per CPU number, in `modes` order.
    private var last: [Int: [Double]] = [:]

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        let bytes = try scrape.readProc("stat")
        for var fields in ProcLines(bytes) {
            guard let key = fields.next(), bytes.hasPrefix(key, "cpu"), key.count > 3,
                  let cpu = bytes.unsigned((key.lowerBound + 3)..<key.upperBound) else { continue }
            var seconds: [Double] = []
            seconds.reserveCapacity(Self.modes.count)
            while let field = fields.next(), seconds.count < Self.modes.count {
                guard let ticks = bytes.unsigned(field) else { throw HostMetricsError.malformed(scrape.paths.proc("stat"), "bad cpu\(cpu) value") }
                seconds.append(Double(ticks) / ticksPerSecond)
            }
            while seconds.count < Self.modes.count { seconds.append(0) }
            let values = monotonic(Int(cpu), seconds)
            let label = String(cpu)
            for (i, mode) in Self.modes.prefix(8).enumerated() {
                scrape.add("node_cpu_seconds_total", [("cpu", label), ("mode", mode)], values[i], .counter)
            }
            scrape.add("node_cpu_guest_seconds_total", [("cpu", label), ("mode", "user")], values[8], .counter)
            scrape.add("node_cpu_guest_seconds_total", [("cpu", label), ("mode", "nice")], values[9], .counter)
        }
    }

    /// `current` with every counter that went backwards replaced by its previous value.
    private mutating func monotonic(_ cpu: Int, _ current: [Double]) -> [Double] {
        guard var previous = last[cpu], previous[Self.idle] - current[Self.idle] < Self.jumpBackSeconds else {
            last[cpu] = current
            return current
        }
        for i in previous.indices where current[i] >= previous[i] { previous[i] = current[i] }
        last[cpu] = previous
        return previous
    }
}
