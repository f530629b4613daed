import Atomics
import Pipeline
import PipelineTesting
import XCTest

/// The end-to-end guarantee: nothing lost, duplicated or reordered, under backpressure.
final class TopologyThroughputTests: XCTestCase {
    /// 10 million events from two inputs through a pass-through transform into an output
    /// slower than the inputs; every source's `seq` must arrive exactly once, in order.
    func testTenMillionEventsArriveInOrderThroughAThreeStageChain() async throws {
        let perSource = 5_000_000
        let components = TestComponents()
        let verifier = SequenceVerifier()
        // Checks each batch as it arrives (memory stays bounded) and spends 100 µs more per
        // batch, so it is slower than the two inputs together and backpressure holds them.
        let output = CapturingOutput(store: false, delay: .microseconds(100)) { verifier.check($0) }
        components.provide("out", .output(output))
        let topology = try components.topology("""
        inputs:
          web: {type: sequence, source: web, count: \(perSource), batch_size: 512}
          api: {type: sequence, source: api, count: \(perSource), batch_size: 512}
        transforms:
          pass: {type: pass, inputs: [web, api]}
        outputs:
          out:
            type: capture
            inputs: [pass]
            buffer: {max_events: 16384}
        """)
        let start = ContinuousClock.now
        try await withTimeout(seconds: 300) { await topology.run() }
        let elapsed = ContinuousClock.now - start

        XCTAssertEqual(verifier.problems, [])
        XCTAssertEqual(verifier.total, 2 * perSource)
        XCTAssertEqual(verifier.counts, ["web": Int64(perSource), "api": Int64(perSource)])
        XCTAssertEqual(output.eventCount, 2 * perSource)
        XCTAssertTrue(output.isFinished)
        XCTAssertEqual(topology.state, .stopped)
        let metrics = Dictionary(uniqueKeysWithValues: topology.telemetry.entries.map { ($0.id, $0.metrics) })
        XCTAssertEqual(metrics["web"]?.sentEvents.load(ordering: .relaxed), perSource)
        XCTAssertEqual(metrics["api"]?.sentEvents.load(ordering: .relaxed), perSource)
        XCTAssertEqual(metrics["pass"]?.receivedEvents.load(ordering: .relaxed), 2 * perSource)
        XCTAssertEqual(metrics["pass"]?.sentEvents.load(ordering: .relaxed), 2 * perSource)
        XCTAssertEqual(metrics["out"]?.receivedEvents.load(ordering: .relaxed), 2 * perSource)
        XCTAssertEqual(metrics["out"]?.dropCounts.map(\.1).reduce(0, +) ?? 0, 0)
        // The output was the bottleneck: its buffer filled up, so the inputs were held back.
        XCTAssertGreaterThanOrEqual(output.maxQueuedEvents, 8192, "the output's buffer never filled: no backpressure")
        print("10M events in \(elapsed), max queued \(output.maxQueuedEvents)")
    }
}
