@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

final class InternalMetricsInputTests: XCTestCase {
    private func metricBatches(_ out: CapturingOutput) -> [MetricBatch] {
        out.batches.compactMap { if case .metrics(let m) = $0 { m } else { nil } }
    }

    func testEmitsComponentMetricsOfEveryComponent() async throws {
        let pipeline = try await RunningPipeline("""
            inputs:
              own: { type: internal_metrics, interval: 100ms }
              gen: { type: sequence, count: 250 }
            outputs:
              metrics_out: { type: metrics_sink, inputs: [own] }
              logs_out: { type: capture, inputs: [gen] }
            """)
        let out = pipeline.capture("metrics_out")
        let logs = pipeline.capture("logs_out")
        try await eventually { logs.eventCount == 250 }
        // Wait for a sample taken after the 250 events were delivered and counted as sent:
        // the emitter counts a batch once its send returns, which may be after the output
        // has counted it received.
        func shows250(_ batch: MetricBatch, _ name: String, _ component: String) -> Bool {
            (0..<batch.count).contains { i in
                batch.name(i) == name && batch.labelPairs(i).contains { $0 == ("component", component) }
                    && batch.records[i].value == 250
            }
        }
        try await eventually("a sample showing 250 events sent by gen and received at logs_out") {
            self.metricBatches(out).contains { batch in
                shows250(batch, "pipectl_component_received_events_total", "logs_out")
                    && shows250(batch, "pipectl_component_sent_events_total", "gen")
            }
        }
        try await pipeline.stop()

        let batch = try XCTUnwrap(metricBatches(out).last)
        let names = Set((0..<batch.count).map { batch.name($0) })
        for name in ["pipectl_component_received_events_total", "pipectl_component_received_bytes_total",
                     "pipectl_component_sent_events_total", "pipectl_buffer_events", "pipectl_buffer_bytes"] {
            XCTAssertTrue(names.contains(name), "\(name) missing from \(names.sorted())")
        }
        let componentSamples = (0..<batch.count).filter { batch.name($0).hasPrefix("pipectl_component_") }
        XCTAssertFalse(componentSamples.isEmpty)
        var components: Set<String> = []
        for i in componentSamples {
            let labels = Dictionary(uniqueKeysWithValues: batch.labelPairs(i))
            XCTAssertNotNil(labels["component"])
            XCTAssertNotNil(labels["component_kind"])
            XCTAssertNotNil(labels["component_type"])
            components.insert(labels["component"]!)
            XCTAssertEqual(batch.records[i].kind, .counter, batch.name(i))
            XCTAssertGreaterThan(batch.records[i].timestamp, 1_600_000_000_000, "timestamps are Unix milliseconds")
        }
        XCTAssertEqual(components, ["own", "gen", "metrics_out", "logs_out"])
        let sent = (0..<batch.count).first {
            batch.name($0) == "pipectl_component_sent_events_total" && batch.labelPairs($0).contains { $0 == ("component", "gen") }
        }
        XCTAssertEqual(sent.map { batch.records[$0].value }, 250)
        let kind = (0..<batch.count).first { batch.name($0) == "pipectl_buffer_events" }.map { batch.records[$0].kind }
        XCTAssertEqual(kind, .gauge)
    }

    func testEmitsOnEveryInterval() async throws {
        let start = ContinuousClock.now
        let pipeline = try await RunningPipeline("""
            inputs:
              own: { type: internal_metrics, interval: 100ms }
            outputs:
              out: { type: metrics_sink, inputs: [own] }
            """)
        let out = pipeline.capture()
        try await eventually { out.receivedBatches >= 3 }
        let elapsed = ContinuousClock.now - start
        try await pipeline.stop()
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(190), "three samples take two intervals")
        XCTAssertTrue(out.isFinished)
    }

    func testIntervalHasAMinimum() {
        let registry = ComponentRegistry(TestComponents().registry.types + [InternalMetricsInputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              own: { type: internal_metrics, interval: 10ms }
            outputs:
              out: { type: metrics_sink, inputs: [own] }
            """, file: "m.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description),
                       ["m.yaml:2:44: inputs.own.interval: must be at least 100ms, got '10ms'"])
    }
}
