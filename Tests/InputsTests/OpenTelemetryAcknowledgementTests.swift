import Foundation
import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// The `opentelemetry` input with `acknowledgements: true`: 200 only once every output has
/// the events, else 503 with `Retry-After` in time (the SDK sends the request again).
final class OpenTelemetryAcknowledgementTests: XCTestCase {
    private func start(_ options: String, outputs: String, setUp: @escaping (TestComponents) -> Void = { _ in }) async throws
        -> (RunningPipeline, Int) {
        let port = try freeLoopbackPort()
        let pipeline = try await RunningPipeline("""
        data_dir: \(NSTemporaryDirectory())pipectl-otlp-acks-\(port)
        shutdown_timeout: 1s
        inputs:
          otel: { type: opentelemetry, listen: "127.0.0.1:\(port)", \(options) }
        outputs:
        \(outputs)
        """, types: [OpenTelemetryInputConfig.componentType], setUp: setUp)
        addTeardownBlock { try? await pipeline.stop() }
        try await eventually("the receiver accepts") { (try? self.post(port, spans: 0))?.status == 200 }
        return (pipeline, port)
    }

    private func post(_ port: Int, spans: Int) throws -> HTTPTestClient.Response {
        try HTTPTestClient.request(port: port, "/v1/traces", method: "POST", headers: [("Content-Type", "application/x-protobuf")],
                                   body: OTLPTestRequests.traces(spans: spans))
    }

    func testA200MeansEveryOutputHasTheSpans() async throws {
        let (pipeline, port) = try await start("acknowledgements: true", outputs: """
          a: { type: capture, inputs: [otel] }
          b: { type: capture, inputs: [otel.traces] }
        """)
        for _ in 0..<20 {
            let before = (pipeline.capture("a").eventCount, pipeline.capture("b").eventCount)
            XCTAssertEqual(try post(port, spans: 5).status, 200)
            XCTAssertEqual(pipeline.capture("a").eventCount, before.0 + 5, "200 before output a had the spans")
            XCTAssertEqual(pipeline.capture("b").eventCount, before.1 + 5, "200 before output b had the spans")
        }
    }

    func testAStuckOutputGets503InTimeAndALostBatch503() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await start("acknowledgements: true, backpressure_wait: 300ms", outputs: """
          out: { type: capture, inputs: [otel], buffer: { when_full: drop_newest, max_events: 5 } }
        """) { $0.provide("out", .output(stuck)) }
        let started = Date()
        let waiting = try post(port, spans: 5)
        XCTAssertEqual(waiting.status, 503, "queued but not in the output's buffer within backpressure_wait")
        XCTAssertEqual(waiting.header("Retry-After"), "1")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertEqual(try post(port, spans: 5).status, 503, "dropped by the full queue")
        stuck.resume()
        try await eventually("the queued spans reach the output") { stuck.eventCount == 5 }
        XCTAssertEqual(try post(port, spans: 5).status, 200)
        XCTAssertEqual(pipeline.metrics("otel").errorCounts.first { $0.0 == "request_503" }?.1, 2)
    }
}
