import Atomics
import Pipeline
import PipelineTesting
import XCTest

final class TopologyTests: XCTestCase {
    private struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

    /// An input that emits one batch and then fails.
    private struct FailingInput: InputStage {
        func run(_ context: InputContext) async throws {
            await context.emit(TestBatches.logs(count: 5))
            throw Boom()
        }
    }

    /// An output that fails before reading anything.
    private struct FailingOutput: OutputStage {
        func run(_ context: OutputContext) async throws { throw Boom() }
    }

    /// An input that tries the non-blocking path first and falls back to waiting.
    private struct TryFirstInput: InputStage {
        let tries = ManagedAtomic(0), refusals = ManagedAtomic(0)

        func run(_ context: InputContext) async throws {
            let source = SequenceInput(source: "gen", count: nil)
            for k in 0..<20 {
                var slot: EventBatch? = .logs(source.makeBatch(from: k * 10, count: 10))
                tries.wrappingIncrement(ordering: .relaxed)
                if !context.tryEmit(&slot) {
                    refusals.wrappingIncrement(ordering: .relaxed)
                    await context.emit(slot.take()!)
                }
            }
        }
    }

    /// An input that emits one-event batches without waiting until `limit` were refused or sent.
    private struct FillingInput: InputStage {
        let limit: Int
        let emitted = ManagedAtomic(0), refused = ManagedAtomic(false)

        func run(_ context: InputContext) async throws {
            for i in 0..<limit {
                var slot: EventBatch? = TestBatches.logs(["x"], firstTimestamp: Int64(i))
                guard context.tryEmit(&slot) else {
                    refused.store(true, ordering: .sequentiallyConsistent)
                    return
                }
                emitted.wrappingIncrement(ordering: .relaxed)
            }
        }
    }

    private func metrics(_ topology: Topology, _ id: String) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == id }!.metrics
    }

    func testFanOutDeliversEveryEventToEveryOutput() async throws {
        let components = TestComponents()
        let topology = try components.topology("""
        inputs:
          gen: {type: sequence, count: 10000, batch_size: 100}
        outputs:
          a: {type: capture, inputs: [gen]}
          b: {type: capture, inputs: [gen]}
        """)
        try await withTimeout(seconds: 60) { await topology.run() }
        for id in ["a", "b"] {
            let output = try XCTUnwrap(components.capture(id))
            let verifier = SequenceVerifier()
            output.batches.forEach(verifier.check)
            XCTAssertEqual(verifier.problems, [], id)
            XCTAssertEqual(verifier.counts, ["gen": 10000], id)
            XCTAssertEqual(verifier.total, 10000, id)
            XCTAssertEqual(metrics(topology, id).receivedEvents.load(ordering: .relaxed), 10000, id)
        }
        XCTAssertEqual(metrics(topology, "gen").sentEvents.load(ordering: .relaxed), 10000, "fan-out counts each event once")
    }

    func testDropNewestDropsAndCountsWhenTheOutputIsStuck() async throws {
        let components = TestComponents()
        let stuck = CapturingOutput(paused: true)
        components.provide("out", .output(stuck))
        components.provide("gen", .input(StaticInput((0..<50).map { TestBatches.logs(count: 10, firstTimestamp: Int64($0 * 10)) })))
        let topology = try components.topology("""
        inputs:
          gen: {type: static}
        outputs:
          out:
            type: capture
            inputs: [gen]
            buffer: {when_full: drop_newest, max_events: 40}
        """)
        let run = Task { await topology.run() }
        let gen = metrics(topology, "gen"), out = metrics(topology, "out")
        // The input never waits on a drop_newest edge, so it finishes while the output is stuck.
        try await eventually(timeout: 30, "input emitted everything") { gen.sentEvents.load(ordering: .relaxed) == 500 }
        let dropped = out.dropCounts.first { $0.0 == "buffer_full" }?.1 ?? 0
        XCTAssertEqual(dropped, 460, "the stuck output took nothing, so exactly 40 events fit its buffer")
        stuck.resume()
        try await withTimeout(seconds: 30) { await run.value }
        XCTAssertEqual(stuck.eventCount, 500 - dropped, "every event is delivered or counted as dropped")
        XCTAssertEqual(out.dropCounts.map(\.0), ["buffer_full"])
        let stamps = stuck.batches.compactMap(TestBatches.firstTimestamp)
        XCTAssertEqual(stamps, stamps.sorted(), "what survives keeps its order")
    }

    func testShutdownStopsAnEndlessInputAndDrainsEverythingItEmitted() async throws {
        let components = TestComponents()
        let topology = try components.topology("""
        shutdown_timeout: 30s
        inputs:
          gen: {type: sequence, batch_size: 64}
        transforms:
          pass: {type: pass, inputs: [gen]}
        outputs:
          out: {type: capture, inputs: [pass]}
        """)
        XCTAssertEqual(topology.state, .built)
        let run = Task { await topology.run() }
        let output = try XCTUnwrap(components.capture("out"))
        try await eventually(timeout: 30, "events flowing") { output.eventCount >= 20_000 }
        XCTAssertEqual(topology.state, .running)
        XCTAssertTrue(topology.readiness.ready)
        topology.shutdown()
        XCTAssertFalse(topology.readiness.ready)
        try await withTimeout(seconds: 30) { await run.value }
        XCTAssertEqual(topology.state, .stopped)
        XCTAssertTrue(output.isFinished)
        let sent = metrics(topology, "gen").sentEvents.load(ordering: .relaxed)
        XCTAssertEqual(output.eventCount, sent, "everything the input emitted reached the output")
        let verifier = SequenceVerifier()
        output.batches.forEach(verifier.check)
        XCTAssertEqual(verifier.problems, [])
        XCTAssertEqual(verifier.counts, ["gen": Int64(sent)])
    }

    func testShutdownBeforeRunIsNotLost() async throws {
        let components = TestComponents()
        let topology = try components.topology("""
        shutdown_timeout: 60s
        inputs:
          gen: {type: sequence, batch_size: 64}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        topology.shutdown()  // e.g. SIGTERM while sockets are still being bound
        try await withTimeout(seconds: 20) { await topology.run() }
        XCTAssertEqual(topology.state, .stopped)
        XCTAssertEqual(components.capture("out")?.isFinished, true, "the input was stopped, so the output finished")
    }

    func testFailingInputIsCountedAndItsOutputsStillFinish() async throws {
        let components = TestComponents()
        components.provide("gen", .input(FailingInput()))
        let topology = try components.topology("""
        inputs:
          gen: {type: static}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        try await withTimeout(seconds: 30) { await topology.run() }
        XCTAssertEqual(metrics(topology, "gen").errorCounts.map { "\($0.0)=\($0.1)" }, ["fatal=1"])
        XCTAssertEqual(components.capture("out")?.eventCount, 5)
    }

    func testFailingOutputDrainsItsInputsAsDropped() async throws {
        let components = TestComponents()
        components.provide("out", .output(FailingOutput()))
        let topology = try components.topology("""
        inputs:
          gen: {type: sequence, count: 1000, batch_size: 100}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        try await withTimeout(seconds: 30) { await topology.run() }
        let out = metrics(topology, "out")
        XCTAssertEqual(out.errorCounts.map { "\($0.0)=\($0.1)" }, ["fatal=1"])
        XCTAssertEqual(out.dropCounts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }, ["output_stopped=1000"])
        XCTAssertTrue(out.failing.load(ordering: .relaxed))
    }

    func testMetricsFlowThroughASameAsInputTransform() async throws {
        let components = TestComponents()
        let topology = try components.topology("""
        inputs:
          m: {type: metric_source, count: 3}
        transforms:
          any: {type: same, inputs: [m]}
        outputs:
          sink: {type: metrics_sink, inputs: [any]}
        """)
        try await withTimeout(seconds: 30) { await topology.run() }
        let sink = try XCTUnwrap(components.capture("sink"))
        guard case .metrics(let batch)? = sink.batches.first else { return XCTFail("no metric batch arrived") }
        XCTAssertEqual((0..<batch.count).map { batch.labelPairs($0).map(\.1) }, [["0"], ["1"], ["2"]])
    }

    /// `tryEmit` promises "false and nothing sent" when any downstream is full; with fan-out,
    /// the downstreams that had room must not get the batch (a retry would duplicate it).
    func testTryEmitWithFanOutIsAllOrNothing() async throws {
        let components = TestComponents()
        let input = TryFirstInput()
        components.provide("gen", .input(input))
        components.provide("slow", .output(CapturingOutput(delay: .milliseconds(10))))
        let topology = try components.topology("""
        inputs:
          gen: {type: static}
        outputs:
          slow: {type: capture, inputs: [gen], buffer: {max_events: 10}}
          fast: {type: capture, inputs: [gen]}
        """)
        try await withTimeout(seconds: 60) { await topology.run() }
        XCTAssertGreaterThan(input.refusals.load(ordering: .relaxed), 0, "the slow output never refused a batch")
        for id in ["slow", "fast"] {
            let verifier = SequenceVerifier()
            components.capture(id)?.batches.forEach(verifier.check)
            XCTAssertEqual(verifier.problems, [], id)
            XCTAssertEqual(verifier.counts, ["gen": 200], id)
            XCTAssertEqual(verifier.total, 200, id)
        }
        XCTAssertEqual(metrics(topology, "gen").sentEvents.load(ordering: .relaxed), 200)
    }

    /// One-event batches (a datagram, a small drain POST) fill `max_events`, not a slot count.
    func testSmallBatchesFillMaxEventsNotASlotCount() async throws {
        let components = TestComponents()
        let input = FillingInput(limit: 100_000), output = CapturingOutput(paused: true)
        components.provide("gen", .input(input))
        components.provide("out", .output(output))
        let topology = try components.topology("""
        inputs:
          gen: {type: static}
        outputs:
          out: {type: capture, inputs: [gen], buffer: {max_events: 5000}}
        """)
        let run = Task { await topology.run() }
        try await eventually(timeout: 30, "input refused") { input.refused.load(ordering: .sequentiallyConsistent) }
        XCTAssertEqual(input.emitted.load(ordering: .relaxed), 5000, "5000 one-event batches fit max_events: 5000")
        output.resume()
        try await withTimeout(seconds: 30) { await run.value }
        XCTAssertEqual(output.eventCount, 5000)
    }

    /// A full `drop_newest` edge drops for itself only: the input's non-blocking emit still
    /// succeeds and the other edges get every batch (one slow output must not make the
    /// drain answer 503 to everyone).
    func testAFullDropNewestEdgeDoesNotRefuseTheOtherEdges() async throws {
        let components = TestComponents()
        let input = FillingInput(limit: 500), stuck = CapturingOutput(paused: true)
        components.provide("gen", .input(input))
        components.provide("stuck", .output(stuck))
        let topology = try components.topology("""
        inputs:
          gen: {type: static}
        outputs:
          stuck: {type: capture, inputs: [gen], buffer: {when_full: drop_newest, max_events: 40}}
          fast: {type: capture, inputs: [gen]}
        """)
        let run = Task { await topology.run() }
        try await eventually(timeout: 30, "input done") {
            input.emitted.load(ordering: .relaxed) == 500 || input.refused.load(ordering: .relaxed)
        }
        XCTAssertFalse(input.refused.load(ordering: .relaxed), "the full drop_newest edge refused the whole emit")
        XCTAssertEqual(metrics(topology, "stuck").dropCounts.first { $0.0 == "buffer_full" }?.1, 460)
        stuck.resume()
        try await withTimeout(seconds: 30) { await run.value }
        XCTAssertEqual(components.capture("fast")?.eventCount, 500)
        XCTAssertEqual(stuck.eventCount, 40)
    }
}
