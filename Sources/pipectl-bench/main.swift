import Foundation

// pipectl-bench [--quick]: runs the suite in-process and prints one line per benchmark.
// Build and run in release: swift build -c release --product pipectl-bench && .build/release/pipectl-bench
// --quick runs 1/100 of the events (a smoke test, e.g. in a debug build).
let divisor = CommandLine.arguments.contains("--quick") ? 100 : 1
var results: [BenchmarkResult] = []
results.append(await Benchmarks.queueHandoff(events: 50_000_000 / divisor))
results.append(try await Benchmarks.demoToBlackhole(events: 10_000_000 / divisor))
results.append(try await Benchmarks.linearMutatingChain(events: 2_000_000 / divisor))
results.append(try await Benchmarks.fanOutToMutatingStages(events: 2_000_000 / divisor))
results.append(try await Benchmarks.linesToLogfmt(lines: 2_000_000 / divisor))
results.append(await Benchmarks.drainBodyParse(lines: 2_000_000 / divisor))
results.append(await Benchmarks.hotPathAllocations(events: 2_000_000 / divisor))
for r in results { print(r.line) }
let hot = results.last!
if hot.allocationsPerEvent > 0.01 {
    print("FAIL: hot path makes \(hot.allocationsPerEvent) allocations per event (want < 0.01, i.e. per batch only)")
    exit(1)
}
