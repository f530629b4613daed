#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// `pressure`: pressure stall information (PSI) from /proc/pressure, where the kernel has it
/// (4.20+ with CONFIG_PSI, not booted with `psi=0`); nothing otherwise.
///
/// ```
/// some avg10=1.82 avg60=4.94 avg300=17.26 total=3631692958   (microseconds)
/// full avg10=0.00 avg60=0.00 avg300=0.00 total=0
/// ```
/// `some` → `node_pressure_<resource>_waiting_seconds_total`, `full` →
/// `node_pressure_<resource>_stalled_seconds_total`; for cpu only `some`, as node_exporter 1.5.
struct PressureCollector: HostMetricsCollector {
    static let name = "pressure"

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        guard ProcFileReader.exists(scrape.paths.proc("pressure")) else { return }
        for resource in ["cpu", "io", "memory"] {
            let bytes: [UInt8]
            do {
                bytes = try scrape.readProc("pressure/" + resource)
            } catch HostMetricsError.cannotRead(_, let code) where code == EOPNOTSUPP {
                return  // PSI compiled in but off (`psi=0`)
            }
            for var fields in ProcLines(bytes) {
                guard let kind = fields.next() else { continue }
                let suffix: String
                if bytes.matches(kind, "some") {
                    suffix = "waiting_seconds_total"
                } else if bytes.matches(kind, "full"), resource != "cpu" {
                    suffix = "stalled_seconds_total"
                } else {
                    continue
                }
                while let field = fields.next() {
                    guard bytes.hasPrefix(field, "total=") else { continue }
                    guard let micros = bytes.unsigned((field.lowerBound + 6)..<field.upperBound) else {
                        throw HostMetricsError.malformed(scrape.paths.proc("pressure/" + resource), "bad total")
                    }
                    scrape.add("node_pressure_\(resource)_\(suffix)", [], Double(micros) / 1_000_000, .counter)
                }
            }
        }
    }
}
