import Foundation
import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// `acknowledgements: true`: 204 only once every output has the frames, else 503 in time.
final class HerokuDrainAcknowledgementTests: XCTestCase {
    private static let body: [UInt8] = {
        let line = "<190>1 2024-05-01T00:00:00+00:00 host app web.1 - measure#db.latency=12ms\n"
        return Array(String(repeating: "\(line.utf8.count) \(line)", count: 10).utf8)
    }()

    private func start(drain: String, outputs: String, setUp: @escaping (TestComponents) -> Void = { _ in }) async throws
        -> (RunningPipeline, Int) {
        let port = try freeLoopbackPort()
        let pipeline = try await RunningPipeline("""
        data_dir: \(NSTemporaryDirectory())pipectl-drain-acks-\(port)
        shutdown_timeout: 1s
        inputs:
          drain: { type: heroku_drain, listen: "127.0.0.1:\(port)", path: /logs, \(drain) }
        outputs:
        \(outputs)
        """, types: [HerokuDrainInputConfig.componentType], setUp: setUp)
        addTeardownBlock { try? await pipeline.stop() }
        try await eventually("drain accepts") { (try? self.post(port, []))?.status == 204 }
        return (pipeline, port)
    }

    private func post(_ port: Int, _ body: [UInt8]) throws -> HTTPTestClient.Response {
        try HTTPTestClient.request(port: port, "/logs", method: "POST",
                                   headers: [("Content-Type", "application/logplex-1")], body: body)
    }

    func testA204MeansEveryOutputHasTheFrames() async throws {
        let (pipeline, port) = try await start(drain: "acknowledgements: true", outputs: """
          a: { type: capture, inputs: [drain] }
          b: { type: capture, inputs: [drain] }
        """)
        for _ in 0..<20 {
            let before = (pipeline.capture("a").eventCount, pipeline.capture("b").eventCount)
            XCTAssertEqual(try post(port, Self.body).status, 204)
            XCTAssertEqual(pipeline.capture("a").eventCount, before.0 + 10, "204 before output a had the frames")
            XCTAssertEqual(pipeline.capture("b").eventCount, before.1 + 10, "204 before output b had the frames")
        }
    }

    /// An output that takes nothing: the frames sit in its queue, not in its buffer, so the
    /// drain must answer 503 within backpressure_wait, not 204 and not never.
    func testAStuckOutputGets503InTimeNot204() async throws {
        let stuck = CapturingOutput(paused: true)
        let (pipeline, port) = try await start(drain: "acknowledgements: true, backpressure_wait: 300ms",
                                               outputs: "  out: { type: capture, inputs: [drain] }") {
            $0.provide("out", .output(stuck))
        }
        let started = Date()
        let answer = try post(port, Self.body)
        XCTAssertEqual(answer.status, 503)
        XCTAssertEqual(answer.header("Retry-After"), "1")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "answered within backpressure_wait, not left hanging")
        XCTAssertEqual(pipeline.metrics("drain").errorCounts.first { $0.0 == "request_503" }?.1, 1)
    }

    func testFramesAnOutputDropsGet503() async throws {
        let stuck = CapturingOutput(paused: true)
        let (_, port) = try await start(drain: "acknowledgements: true", outputs: """
          out: { type: capture, inputs: [drain], buffer: { when_full: drop_newest, max_events: 10 } }
        """) { $0.provide("out", .output(stuck)) }
        XCTAssertEqual(try post(port, Self.body).status, 503, "the first body waits in the queue: not in the buffer yet")
        XCTAssertEqual(try post(port, Self.body).status, 503, "the second is dropped by the full queue")
        stuck.resume()
        try await eventually("the queued body reaches the output") { stuck.eventCount == 10 }
        XCTAssertEqual(try post(port, Self.body).status, 204)
    }

    /// Without acknowledgements the same stuck output still gets 204s while its queue has room.
    func testWithoutAcknowledgementsQueuedIsEnough() async throws {
        let stuck = CapturingOutput(paused: true)
        let (_, port) = try await start(drain: "backpressure_wait: 300ms", outputs: "  out: { type: capture, inputs: [drain] }") {
            $0.provide("out", .output(stuck))
        }
        XCTAssertEqual(try post(port, Self.body).status, 204)
    }
}
