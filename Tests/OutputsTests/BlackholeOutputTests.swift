@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

final class BlackholeOutputTests: XCTestCase {
    func testCountsEveryEvent() async throws {
        let pipeline = try await RunningPipeline("""
            inputs:
              logs: { type: sequence, count: 10000, batch_size: 300 }
              metrics: { type: metric_source, count: 7 }
            outputs:
              sink: { type: blackhole, inputs: [logs, metrics] }
            """)
        try await pipeline.finished()
        let m = pipeline.metrics("sink")
        XCTAssertEqual(m.receivedEvents.load(ordering: .relaxed), 10_007)
        XCTAssertEqual(m.sentEvents.load(ordering: .relaxed), 10_007)
        XCTAssertGreaterThan(m.receivedBytes.load(ordering: .relaxed), 0)
        XCTAssertEqual(m.errorCounts.count, 0)
    }

    func testKeepsCountingWithAPrintInterval() async throws {
        let pipeline = try await RunningPipeline("""
            inputs:
              logs: { type: sequence }
            outputs:
              sink: { type: blackhole, inputs: [logs], print_interval: 10ms }
            """)
        let m = pipeline.metrics("sink")
        try await eventually { m.receivedEvents.load(ordering: .relaxed) > 50_000 }
        try await pipeline.stop()
        XCTAssertEqual(m.receivedEvents.load(ordering: .relaxed), pipeline.metrics("logs").sentEvents.load(ordering: .relaxed))
    }

    func testPrintIntervalMustBeADuration() {
        let registry = ComponentRegistry(TestComponents().registry.types + [BlackholeOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: sequence }
            outputs:
              sink: { type: blackhole, inputs: [src], print_interval: soon }
            """, file: "b.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description),
                       ["b.yaml:4:59: outputs.sink.print_interval: expected a duration like \"15s\" or \"500ms\", got 'soon'"])
    }
}
