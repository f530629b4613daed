import Foundation
import Inputs
import NIOCore
import Pipeline
import PipelineTesting
import XCTest

/// The drain serves connections on one event loop per core, each loop its own producer lane.
final class HerokuDrainLanesTests: XCTestCase {
    private static func frame(_ message: String) -> String {
        let line = "<190>1 2024-05-01T00:00:00+00:00 host app web.1 - \(message)\n"
        return "\(line.utf8.count) \(line)"
    }

    private func start(_ options: String = "") async throws -> (RunningPipeline, Int) {
        let port = try freeLoopbackPort()
        let pipeline = try await RunningPipeline("""
        data_dir: \(NSTemporaryDirectory())pipectl-drain-lanes-\(port)
        inputs:
          drain: { type: heroku_drain, listen: "127.0.0.1:\(port)", path: /logs\(options) }
        outputs:
          out: { type: capture, inputs: [drain] }
        """, types: [HerokuDrainInputConfig.componentType])
        addTeardownBlock { try? await pipeline.stop() }
        try await eventually("drain accepts") {
            (try? HTTPTestClient.request(port: port, "/logs", method: "POST",
                                         headers: [("Content-Type", "application/logplex-1")]))?.status == 204
        }
        return (pipeline, port)
    }

    /// Many keep-alive connections at once: every frame arrives once, and each connection's
    /// frames arrive in the order it sent them, whichever loop served it.
    func testConnectionsOnEveryLoopKeepTheirOwnOrder() async throws {
        let (pipeline, port) = try await start()
        let inbox = try XCTUnwrap(pipeline.topology.telemetry.entries.first { $0.id == "out" }?.inbox)
        XCTAssertEqual(inbox.rings.count, System.coreCount, "one ring per drain event loop")
        let connections = 8, requests = 40, framesPerRequest = 3
        let failures = try await withTimeout(seconds: 60) { () -> [String] in
            await withTaskGroup(of: String?.self) { group in
                for c in 0..<connections {
                    group.addTask {
                        do {
                            let connection = try KeepAliveHTTPConnection(port: port)
                            for r in 0..<requests {
                                let body = (0..<framesPerRequest).map { Self.frame("conn=\(c) seq=\(r * framesPerRequest + $0)") }.joined()
                                let answer = try connection.request("/logs", headers: [("Content-Type", "application/logplex-1")],
                                                                    body: Array(body.utf8))
                                if answer.status != 204 { return "connection \(c) request \(r): \(answer.status)" }
                            }
                            return nil
                        } catch {
                            return "connection \(c): \(error)"
                        }
                    }
                }
                var failures: [String] = []
                for await failure in group { if let failure { failures.append(failure) } }
                return failures
            }
        }
        XCTAssertEqual(failures, [])
        let out = pipeline.capture()
        try await eventually("every frame") { out.eventCount == connections * requests * framesPerRequest }
        var next = [Int: Int]()
        for message in out.messages {
            let parts = message.split(separator: " ").map { $0.split(separator: "=") }
            let c = Int(parts[0][1])!, seq = Int(parts[1][1])!
            XCTAssertEqual(seq, next[c, default: 0], "connection \(c) out of order")
            next[c] = seq + 1
        }
        XCTAssertEqual(next.count, connections)
    }

    /// A connection over `max_connections` gets an answer logplex understands (503 with
    /// Retry-After), not a silently closed socket.
    func testAConnectionOverTheLimitIsAnswered503() async throws {
        let (pipeline, port) = try await start(", max_connections: 1")
        // The probe's connection may still count for a moment: hold one once it is let in.
        var held: KeepAliveHTTPConnection?
        try await eventually("a connection within the limit") {
            guard let c = try? KeepAliveHTTPConnection(port: port),
                  (try? c.request("/logs", headers: [("Content-Type", "application/logplex-1")]))?.status == 204 else { return false }
            held = c
            return true
        }
        let refusedBefore = pipeline.metrics("drain").errorCounts.first { $0.0 == "request_503" }?.1 ?? 0
        let refused = try HTTPTestClient.request(port: port, "/logs", method: "POST",
                                                 headers: [("Content-Type", "application/logplex-1")], body: Array(Self.frame("x").utf8))
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "1")
        XCTAssertEqual(pipeline.metrics("drain").errorCounts.first { $0.0 == "request_503" }?.1, refusedBefore + 1)
        XCTAssertEqual(pipeline.capture().eventCount, 0, "nothing of the refused request was accepted")
        XCTAssertNotNil(held)
    }
}
