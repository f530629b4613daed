import Foundation

// pipectl-bench [--quick] [--only otlp]: runs the suite in-process and prints one line per benchmark.
// Build and run in release: swift build -c release --product pipectl-bench && .build/release/pipectl-bench
// --quick runs 1/100 of the events (a smoke test, e.g. in a debug build); --only otlp runs the OTLP lines alone.
let divisor = CommandLine.arguments.contains("--quick") ? 100 : 1
let only = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments.dropFirst($0 + 1).first ?? "" }
if let only, only != "otlp" {
    print("pipectl-bench: --only takes otlp, got \"\(only)\"")
    exit(2)
}
if only == nil {
    var results: [BenchmarkResult] = []
    results.append(await Benchmarks.queueHandoff(events: 50_000_000 / divisor))
    results.append(try await Benchmarks.demoToBlackhole(events: 10_000_000 / divisor))
    let chain = try await Benchmarks.linearMutatingChain(events: 2_000_000 / divisor)
    let fanOut = try await Benchmarks.fanOutToMutatingStages(events: 2_000_000 / divisor)
    results += [chain, fanOut]
    results.append(try await Benchmarks.linesToLogfmt(lines: 2_000_000 / divisor))
    results.append(await Benchmarks.drainBodyParse(lines: 2_000_000 / divisor))
    results.append(await Benchmarks.hotPathAllocations(events: 2_000_000 / divisor))
    for r in results { print(r.line) }
    // Batches move by ownership: a linear chain copies nothing, a fan-out at most once per batch.
    let demoBatches = (2_000_000 / divisor + 511) / 512
    if chain.copies > 0 || fanOut.copies > demoBatches {
        print("FAIL: batch copies: linear chain \(chain.copies) (want 0), fan-out \(fanOut.copies) (want ≤ \(demoBatches))")
        exit(1)
    }
    let hot = results.last!
    if hot.allocationsPerEvent > 0.01 {
        print("FAIL: hot path makes \(hot.allocationsPerEvent) allocations per event (want < 0.01, i.e. per batch only)")
        exit(1)
    }
    // Remote-write through a memory vs a disk buffer into a local 204 receiver (issue 7).
    for line in RemoteWriteBufferBenchmark.lines(try await RemoteWriteBufferBenchmark.run(samples: 1_000_000 / divisor)) {
        print(line)
    }
    // The log outputs' encode + compress paths, nothing sent (issue 10).
    for result in await LogOutputEncodeBenchmark.all(events: 1_000_000 / divisor) { print(result.line) }
}
// OTLP/HTTP in over loopback, spans out as OTLP and metrics out as remote-write (issue 12).
for line in try await OTLPBenchmark.lines(divisor: divisor) { print(line) }
