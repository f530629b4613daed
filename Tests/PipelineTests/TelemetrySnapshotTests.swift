import Pipeline
import PipelineTesting
import XCTest

/// Own metrics in Prometheus text: one `# TYPE` per family, histogram parts under it.
final class TelemetrySnapshotTests: XCTestCase {
    func testOutputRequestDurationsAndRetriesAreExported() throws {
        let topology = try TestComponents().topology("""
        inputs:
          gen: {type: sequence, count: 1}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        let out = try XCTUnwrap(topology.telemetry.entries.first { $0.id == "out" }).metrics
        out.requestDuration.observe(.milliseconds(3))
        out.requestDuration.observe(.milliseconds(40))
        out.requestDuration.observe(.seconds(60))
        out.retries.wrappingIncrement(by: 2, ordering: .relaxed)
        let text = String(buffer: topology.telemetry.prometheusText())
        let lines = text.split(separator: "\n").map(String.init)
        let labels = "component=\"out\",component_kind=\"output\",component_type=\"capture\""
        XCTAssertEqual(lines.filter { $0.hasPrefix("# TYPE pipectl_output_request_duration_seconds") },
                       ["# TYPE pipectl_output_request_duration_seconds histogram"])
        XCTAssertTrue(lines.contains("pipectl_output_request_duration_seconds_bucket{\(labels),le=\"0.005\"} 1"), text)
        XCTAssertTrue(lines.contains("pipectl_output_request_duration_seconds_bucket{\(labels),le=\"0.05\"} 2"), text)
        XCTAssertTrue(lines.contains("pipectl_output_request_duration_seconds_bucket{\(labels),le=\"30\"} 2"), text)
        XCTAssertTrue(lines.contains("pipectl_output_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} 3"), text)
        XCTAssertTrue(lines.contains("pipectl_output_request_duration_seconds_count{\(labels)} 3"), text)
        XCTAssertTrue(lines.contains("pipectl_output_request_duration_seconds_sum{\(labels)} 60.043"), text)
        XCTAssertTrue(lines.contains("pipectl_component_retries_total{\(labels)} 2"), text)
        XCTAssertFalse(text.contains("pipectl_component_retries_total{component=\"gen\""), "inputs have no retries")
    }

    /// The failing flag of outputs and the buffer limits are gauges the alert rules read.
    func testFailingFlagAndBufferLimitsAreExported() throws {
        let topology = try TestComponents().topology("""
        inputs:
          gen: {type: sequence, count: 1}
        outputs:
          out: {type: capture, inputs: [gen], buffer: {max_events: 1000, max_size: 1MiB}}
          plain: {type: capture, inputs: [gen]}
        """)
        let out = try XCTUnwrap(topology.telemetry.entries.first { $0.id == "out" }).metrics
        out.failing.store(true, ordering: .relaxed)
        let lines = String(buffer: topology.telemetry.prometheusText()).split(separator: "\n").map(String.init)
        func labels(_ id: String) -> String { "component=\"\(id)\",component_kind=\"output\",component_type=\"capture\"" }
        XCTAssertTrue(lines.contains("pipectl_output_failing{\(labels("out"))} 1"))
        XCTAssertTrue(lines.contains("pipectl_output_failing{\(labels("plain"))} 0"))
        XCTAssertTrue(lines.contains("pipectl_buffer_max_events{\(labels("out"))} 1000"))
        XCTAssertTrue(lines.contains("pipectl_buffer_max_bytes{\(labels("out"))} 1048576"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("pipectl_buffer_max_bytes{\(labels("plain"))}") }, "no max_size, no gauge")
        XCTAssertFalse(lines.contains { $0.hasPrefix("pipectl_output_failing{component=\"gen\"") }, "inputs have no failing gauge")
    }
}
