import Logging
@testable import Pipeline
import PipelineTesting
import XCTest

/// `Topology.reload(to:)`: kept stages run on, changed ones are replaced, and no event is lost
/// or sent twice across the switch.
final class TopologyReloadTests: XCTestCase {
    private let components = TestComponents()

    private func config(_ yaml: String) throws -> PipelineConfig {
        let outcome = components.load(yaml)
        guard let config = outcome.config else { throw PipectlError(outcome.errors.map(\.description).joined(separator: "\n")) }
        return config
    }

    private func start(_ yaml: String) async throws -> (Topology, Task<Void, Never>) {
        let topology = try Topology(config: try config(yaml), logger: .init(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        return (topology, Task { await topology.run() })
    }

    private func stop(_ topology: Topology, _ task: Task<Void, Never>) async throws {
        topology.shutdown()
        try await withTimeout(seconds: 10) { await task.value }
    }

    /// The `seq` of every event the captures got, per source, sorted.
    private func sequences(_ captures: [CapturingOutput]) -> [String: [Int64]] {
        var seqs: [String: [Int64]] = [:]
        for batch in captures.flatMap(\.batches) {
            guard case .logs(let logs) = batch else { continue }
            for i in 0..<logs.count {
                var source = "", seq: Int64 = -1
                logs.forEachField(i) { key, value in
                    switch (key, value) {
                    case (.known(.source), .bytes(let span)): source = logs.string(span)
                    case (.custom(let span), .int(let v)) where logs.string(span) == "seq": seq = v
                    default: break
                    }
                }
                seqs[source, default: []].append(seq)
            }
        }
        return seqs.mapValues { $0.sorted() }
    }

    /// Every source's events are 0..<n, each once.
    private func assertComplete(_ seqs: [String: [Int64]], file: StaticString = #filePath, line: UInt = #line) {
        for (source, list) in seqs {
            guard let k = list.indices.first(where: { list[$0] != Int64($0) }) else { continue }
            XCTFail("source \(source): \(list.count) events, but at index \(k) seq \(list[k]): events lost or sent twice", file: file, line: line)
        }
    }

    /// Small buffers, so a stop drains quickly behind the capture's delay.
    private static let base = """
        inputs:
          gen: { type: sequence, batch_size: 10 }
        transforms:
          pass: { type: pass, inputs: [gen], buffer: { max_events: 100 } }
        outputs:
          out: { type: capture, inputs: [pass], delay: 1ms, buffer: { max_events: 100 } }
        """

    func testTheSameFileChangesNothing() async throws {
        let (topology, task) = try await start(Self.base)
        let first = components.capture("out")!
        try await eventually { first.eventCount > 100 }
        let report = await topology.reload(to: try config(Self.base))
        XCTAssertEqual(report.outcome, .unchanged)
        XCTAssertEqual(report.unchanged, ["gen", "pass", "out"])
        XCTAssertTrue(components.capture("out")! === first, "no stage was rebuilt")
        let before = first.eventCount
        try await eventually { first.eventCount > before + 100 }
        try await stop(topology, task)
        assertComplete(sequences([first]))
    }

    func testAChangedOutputIsReplacedAndNothingIsLostOrSentTwice() async throws {
        let (topology, task) = try await start(Self.base)
        let old = components.capture("out")!
        try await eventually { old.eventCount > 100 }
        let report = await topology.reload(to: try config(Self.base.replacingOccurrences(of: "delay: 1ms", with: "delay: 2ms")))
        XCTAssertEqual(report.outcome, .applied, "\(report.errors)")
        XCTAssertEqual(report.changed, ["out"])
        XCTAssertEqual(report.rewired, ["pass"])
        XCTAssertEqual(report.unchanged, ["gen"])
        let new = components.capture("out")!
        XCTAssertFalse(new === old)
        XCTAssertTrue(old.isFinished, "the old output drained and ended before the reload answered")
        try await eventually { new.eventCount > 100 }
        try await stop(topology, task)
        let seqs = sequences([old, new])
        XCTAssertEqual(seqs.keys.sorted(), ["gen"], "the input kept running: one sequence")
        assertComplete(seqs)
        XCTAssertEqual(topology.telemetry.entries.map(\.id), ["gen", "pass", "out"])
    }

    func testRemovedTransformDrainsAndAddedOutputStarts() async throws {
        let (topology, task) = try await start(Self.base)
        let out = components.capture("out")!
        try await eventually { out.eventCount > 100 }
        let report = await topology.reload(to: try config("""
            inputs:
              gen: { type: sequence, batch_size: 10 }
            outputs:
              out: { type: capture, inputs: [gen], delay: 1ms, buffer: { max_events: 100 } }
              out2: { type: capture, inputs: [gen] }
            """))
        XCTAssertEqual(report.outcome, .applied, "\(report.errors)")
        XCTAssertEqual(report.removed, ["pass"])
        XCTAssertEqual(report.added, ["out2"])
        XCTAssertEqual(report.rewired, ["gen", "out"])
        XCTAssertTrue(components.capture("out")! === out, "out kept its stage")
        let out2 = components.capture("out2")!
        let before = out.eventCount
        try await eventually { out2.eventCount > 100 && out.eventCount > before + 100 }
        try await stop(topology, task)
        assertComplete(sequences([out]))
        // out2 joined midway: its events are a contiguous run of the same sequence.
        let joined = sequences([out2])["gen"]!
        XCTAssertEqual(joined.last! - joined.first! + 1, Int64(joined.count), "out2's events are contiguous")
        XCTAssertEqual(topology.telemetry.entries.map(\.id), ["gen", "out", "out2"])
    }

    func testAChangedInputStopsAndItsReplacementStarts() async throws {
        let (topology, task) = try await start(Self.base)
        let out = components.capture("out")!
        try await eventually { out.eventCount > 100 }
        let report = await topology.reload(to: try config(Self.base.replacingOccurrences(of: "batch_size: 10", with: "batch_size: 10, source: other")))
        XCTAssertEqual(report.outcome, .applied, "\(report.errors)")
        XCTAssertEqual(report.changed, ["gen"])
        XCTAssertEqual(report.rewired, ["pass"])
        try await eventually { self.sequences([out])["other"]?.count ?? 0 > 100 }
        try await stop(topology, task)
        let seqs = sequences([out])
        XCTAssertEqual(seqs.keys.sorted(), ["gen", "other"])
        assertComplete(seqs)
    }

    func testAnAPIChangeIsRefusedAndNothingIsTouched() async throws {
        let (topology, task) = try await start(Self.base)
        let out = components.capture("out")!
        try await eventually { out.eventCount > 100 }
        let report = await topology.reload(to: try config("api: { listen: 127.0.0.1:9 }\n" + Self.base.replacingOccurrences(of: "delay: 1ms", with: "delay: 2ms")))
        XCTAssertEqual(report.outcome, .refused)
        XCTAssertTrue(report.errors.contains { $0.contains("api:") }, "\(report.errors)")
        XCTAssertTrue(components.capture("out")! === out)
        let before = out.eventCount
        try await eventually { out.eventCount > before + 100 }
        try await stop(topology, task)
        assertComplete(sequences([out]))
    }

    func testATapOnARemovedComponentEndsAndOneOnAKeptComponentCarriesOn() async throws {
        let (topology, task) = try await start(Self.base)
        try await eventually { self.components.capture("out")!.eventCount > 100 }
        let onPass = topology.tapPoint("pass")!.subscribe(), onGen = topology.tapPoint("gen")!.subscribe()
        let report = await topology.reload(to: try config("""
            inputs:
              gen: { type: sequence, batch_size: 10 }
            outputs:
              out: { type: capture, inputs: [gen], delay: 1ms, buffer: { max_events: 100 } }
            """))
        XCTAssertEqual(report.removed, ["pass"])
        XCTAssertNil(topology.tapPoint("pass"))
        try await withTimeout(seconds: 10) { while await onPass.next() != nil {} }
        let delivery = try await withTimeout(seconds: 10) { await onGen.next() }
        XCTAssertGreaterThan(delivery?.chunks.count ?? 0, 0, "the input's tap still gets events")
        topology.tapPoint("gen")!.unsubscribe(onGen)
        try await stop(topology, task)
    }
}
