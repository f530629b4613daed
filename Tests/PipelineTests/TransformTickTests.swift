import Atomics
import Pipeline
import PipelineTesting
import XCTest

/// A transform's timer must fire under steady load, not only when its inbox is idle.
final class TransformTickTests: XCTestCase {
    /// Passes batches through and counts its ticks.
    private struct TickingTransform: TransformStage {
        let ticks: ManagedAtomic<Int>
        var tickInterval: Duration? { .milliseconds(20) }

        mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) { output.emit(batch) }
        mutating func tick(now: Int64, into output: inout TransformOutput) { ticks.wrappingIncrement(ordering: .relaxed) }
    }

    func testTicksFireWhileBatchesKeepArriving() async throws {
        let ticks = ManagedAtomic(0)
        let components = TestComponents()
        components.provide("timed", .transform(TickingTransform(ticks: ticks)))
        let topology = try components.topology("""
        inputs:
          gen: {type: sequence, batch_size: 16}
        transforms:
          timed: {type: pass, inputs: [gen]}
        outputs:
          out: {type: capture, inputs: [timed], delay: 1ms}
        """)
        let run = Task { await topology.run() }
        let output = try XCTUnwrap(components.capture("out"))
        // The output is slower than the input, so the transform's inbox is never empty.
        try await eventually(timeout: 20, "ticks under load") { ticks.load(ordering: .relaxed) >= 5 }
        XCTAssertGreaterThan(output.maxQueuedEvents, 0, "the pipeline was busy while ticking")
        topology.shutdown()
        try await withTimeout(seconds: 30) { await run.value }
    }
}
