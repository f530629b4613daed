import Atomics
import NIOConcurrencyHelpers
import Pipeline
import PipelineTesting
import XCTest

/// Acknowledgement tokens travel with batches and complete once every stage let go.
final class AcknowledgementTests: XCTestCase {
    /// Records the outcome of tokens.
    private final class Outcomes: Sendable {
        private let box = NIOLockedValueBox<[AckStatus]>([])
        var all: [AckStatus] { box.withLockedValue { $0 } }

        func token() -> AckToken { AckToken { [box] status in box.withLockedValue { $0.append(status) } } }
    }

    /// A transform that folds every batch into state and emits nothing (as l2met does).
    private struct SwallowingTransform: TransformStage {
        mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {}
    }

    private func batch(_ token: AckToken, count: Int = 3) -> EventBatch {
        var b = TestBatches.logs(count: count)
        b.attach({ var a = Acknowledgements(); a.add(token); return a }())
        return b
    }

    func testATokenCompletesOnceWhenEveryHolderReleased() {
        let outcomes = Outcomes()
        let token = outcomes.token()
        token.hold(2)
        token.release(.delivered)
        token.release(.delivered)
        XCTAssertEqual(outcomes.all, [], "one holder is left")
        token.release(.delivered)
        XCTAssertEqual(outcomes.all, [.delivered])
    }

    func testOneDroppedHolderMakesTheOutcomeDropped() {
        let outcomes = Outcomes()
        let token = outcomes.token()
        token.hold(1)
        token.release(.dropped)
        token.release(.delivered)
        XCTAssertEqual(outcomes.all, [.dropped])
    }

    private func run(_ yaml: String, _ setUp: (TestComponents) -> Void) async throws -> TestComponents {
        let components = TestComponents()
        setUp(components)
        let topology = try components.topology(yaml)
        try await withTimeout(seconds: 30) { await topology.run() }
        return components
    }

    func testAFanOutIsAcknowledgedWhenBothOutputsHaveTheEvents() async throws {
        let outcomes = Outcomes()
        let tokens = (0..<20).map { _ in outcomes.token() }
        _ = try await run("""
        inputs:
          gen: {type: static}
        transforms:
          parsed: {type: mutate, inputs: [gen]}
        outputs:
          a: {type: capture, inputs: [parsed]}
          b: {type: capture, inputs: [gen, parsed]}
        """) { $0.provide("gen", .input(StaticInput(tokens.map { batch($0) }))) }
        XCTAssertEqual(outcomes.all, Array(repeating: .delivered, count: 20))
    }

    func testEventsFoldedIntoStateAreAcknowledgedAtOnce() async throws {
        let outcomes = Outcomes()
        _ = try await run("""
        inputs:
          gen: {type: static}
        transforms:
          folded: {type: pass, inputs: [gen]}
        outputs:
          out: {type: capture, inputs: [folded]}
        """) {
            $0.provide("gen", .input(StaticInput([batch(outcomes.token())])))
            $0.provide("folded", .transform(SwallowingTransform()))
        }
        XCTAssertEqual(outcomes.all, [.delivered])
    }

    func testAFullDropNewestBufferAcknowledgesAsDropped() async throws {
        let outcomes = Outcomes()
        let stuck = CapturingOutput(paused: true)
        let components = TestComponents()
        components.provide("gen", .input(StaticInput((0..<5).map { _ in batch(outcomes.token(), count: 10) })))
        components.provide("out", .output(stuck))
        let topology = try components.topology("""
        inputs:
          gen: {type: static}
        outputs:
          out: {type: capture, inputs: [gen], buffer: {when_full: drop_newest, max_events: 20}}
        """)
        let run = Task { await topology.run() }
        try await eventually(timeout: 10, "3 batches dropped") { outcomes.all.count == 3 }
        XCTAssertEqual(outcomes.all, [.dropped, .dropped, .dropped])
        stuck.resume()
        try await withTimeout(seconds: 10) { await run.value }
        XCTAssertEqual(outcomes.all.filter { $0 == .delivered }.count, 2, "the two that fitted are delivered")
    }
}
