import Atomics
import Pipeline
import PipelineTesting
import XCTest

/// Batches move between stages by ownership: only real fan-out may cost a copy.
final class BatchOwnershipTests: XCTestCase {
    private func copies(_ topology: Topology, _ id: String) -> Int {
        topology.telemetry.entries.first { $0.id == id }!.metrics.batchCopies.load(ordering: .relaxed)
    }

    private func run(_ yaml: String) async throws -> (Topology, TestComponents) {
        let components = TestComponents()
        let topology = try components.topology(yaml)
        try await withTimeout(seconds: 60) { await topology.run() }
        return (topology, components)
    }

    func testALinearChainOfMutatingStagesMakesNoCopy() async throws {
        let (topology, components) = try await run("""
        inputs:
          gen: {type: sequence, count: 100000, batch_size: 100}
        transforms:
          first: {type: mutate, inputs: [gen]}
          second: {type: mutate, inputs: [first]}
        outputs:
          out: {type: capture, inputs: [second]}
        """)
        XCTAssertEqual(components.capture("out")?.eventCount, 100_000)
        XCTAssertEqual(copies(topology, "first"), 0, "first copied batches it should own")
        XCTAssertEqual(copies(topology, "second"), 0, "second copied batches it should own")
        XCTAssertEqual(copies(topology, "gen"), 0)
    }

    func testFanOutToTwoMutatingStagesCopiesAtMostOncePerBatch() async throws {
        let (topology, components) = try await run("""
        inputs:
          gen: {type: sequence, count: 100000, batch_size: 100}
        transforms:
          left: {type: mutate, inputs: [gen]}
          right: {type: mutate, inputs: [gen]}
        outputs:
          out_left: {type: capture, inputs: [left]}
          out_right: {type: capture, inputs: [right]}
        """)
        XCTAssertEqual(components.capture("out_left")?.eventCount, 100_000)
        XCTAssertEqual(components.capture("out_right")?.eventCount, 100_000)
        let total = copies(topology, "left") + copies(topology, "right")
        XCTAssertLessThanOrEqual(total, 1_000, "at most one copy per fanned-out batch (1,000 batches), got \(total)")
    }

    func testACopyOfASharedBatchIsCounted() async throws {
        var batch = LogBatch()
        batch.append(timestamp: 1, message: "x")
        let before = BatchCopies.total
        let counter = ManagedAtomic(0)
        let shared = batch
        BatchCopies.$stageCounter.withValue(counter) { batch.setTimestamp(0, 2) }
        XCTAssertEqual(BatchCopies.total - before, 1)
        XCTAssertEqual(counter.load(ordering: .relaxed), 1, "the copy is counted on the stage that made it")
        BatchCopies.$stageCounter.withValue(counter) { batch.setTimestamp(0, 3) }
        XCTAssertEqual(counter.load(ordering: .relaxed), 1, "once copied, the batch is its holder's own")
        XCTAssertEqual(shared.records[0].timestamp, 1)
    }
}
