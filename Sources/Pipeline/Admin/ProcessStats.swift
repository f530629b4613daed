import Foundation

/// The process's own CPU, memory and file descriptors, read from /proc/self.
enum ProcessStats {
    static func read(startTime: Double) -> [TelemetrySample] {
        var out = [TelemetrySample(name: "process_start_time_seconds", labels: [], value: startTime, kind: .gauge,
                                   help: "Start time of the process since the Unix epoch in seconds.")]
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state): utime is field 14, stime 15, vsize 23, rss 24.
            if fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
               let vsize = Double(fields[20]), let rss = Double(fields[21]) {
                let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
                let page = Double(sysconf(Int32(_SC_PAGESIZE)))
                out.append(TelemetrySample(name: "process_cpu_seconds_total", labels: [], value: (utime + stime) / ticks,
                                           kind: .counter, help: "Total user and system CPU time spent in seconds."))
                out.append(TelemetrySample(name: "process_resident_memory_bytes", labels: [], value: rss * page,
                                           kind: .gauge, help: "Resident memory size in bytes."))
                out.append(TelemetrySample(name: "process_virtual_memory_bytes", labels: [], value: vsize,
                                           kind: .gauge, help: "Virtual memory size in bytes."))
            }
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            out.append(TelemetrySample(name: "process_open_fds", labels: [], value: Double(fds.count), kind: .gauge,
                                       help: "Number of open file descriptors."))
        }
        return out
    }
}
