import CAllocCounter
import Foundation
import Pipeline

/// One measured figure set of a benchmark run.
struct BenchmarkResult {
    let name: String
    let events: Int
    let bytes: Int
    let wallSeconds: Double
    let cpuSeconds: Double
    let allocations: UInt64
    /// Copy-on-write copies of batches made during the run (see `BatchCopies`).
    let copies: Int

    var eventsPerSecond: Double { Double(events) / wallSeconds }
    var cpuMicrosPerEvent: Double { cpuSeconds * 1e6 / Double(events) }
    var allocationsPerEvent: Double { Double(allocations) / Double(events) }

    var line: String {
        var s = "\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(format(eventsPerSecond)) events/s"
        s += "  cpu \(String(format: "%.3f", cpuMicrosPerEvent)) µs/event"
        if bytes > 0 { s += "  \(String(format: "%.0f", Double(bytes) / wallSeconds / 1e6)) MB/s" }
        s += "  allocs \(String(format: "%.4f", allocationsPerEvent))/event"
        s += "  batch copies \(copies)"
        return s
    }

    private func format(_ v: Double) -> String {
        v >= 1e6 ? String(format: "%7.2f M", v / 1e6) : String(format: "%7.0f  ", v)
    }
}

/// Wall time, process CPU time and heap allocations around `body`.
func measure(_ name: String, events: Int, bytes: Int = 0, _ body: () async throws -> Void) async rethrows -> BenchmarkResult {
    let cpu0 = processCPUSeconds()
    let allocs0 = alloc_counter_allocations()
    let copies0 = BatchCopies.total
    let start = ContinuousClock.now
    try await body()
    let wall = ContinuousClock.now - start
    let allocs = alloc_counter_allocations() - allocs0
    return BenchmarkResult(name: name, events: events, bytes: bytes, wallSeconds: wall.secondsValue,
                           cpuSeconds: processCPUSeconds() - cpu0, allocations: allocs, copies: BatchCopies.total - copies0)
}

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

extension Duration {
    var secondsValue: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
