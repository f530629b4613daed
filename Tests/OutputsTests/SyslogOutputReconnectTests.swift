import Foundation
import NIOSSL
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The syslog output against a receiver killed mid-stream with bytes unread, then started
/// again on the same port: every message arrives, in order on each connection, and the
/// duplicates stay within what the output counted as replayed.
final class SyslogOutputReconnectTests: XCTestCase {
    private typealias T = SyslogOutputTesting

    private struct Run {
        let receiver: SyslogTestReceiver
        let metrics: ComponentMetrics
        let replayed: Int
        /// Events the output had written (to its kernel) beyond what the receiver had read, at the kill.
        let inFlightAtKill: Int
    }

    /// Sends `count` events; the receiver stops reading after `pauseAfter` messages; once `inFlight`
    /// events are written beyond what it read, it is killed and started again on the same port.
    private func run(count: Int, pauseAfter: Int, inFlight: Int, options: String, tls: TLSConfiguration? = nil) async throws -> Run {
        // A small receive buffer bounds what the receiver took (its TCP acknowledged, it may have read) and never
        // processed at the kill, so the replay tail covers it; beyond the tail that loss is the documented limit.
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting), tls: tls, pauseAfter: pauseAfter, receiveBuffer: 4096)
        let port = try await receiver.start()
        let components = TestComponents()
        let topology = try await T.topology(self, options: """
            address: 127.0.0.1:\(port)
            request_timeout: 10s
            retry: { initial_backoff: 5ms, max_backoff: 50ms }
            \(options)
            """, batches: T.batches(0..<count), components: components)
        let metrics = T.metrics(topology)
        let running = Task { await topology.run() }
        let inFlightAtKill = try await withTimeout(seconds: 60) {
            try await eventually("the receiver stops reading with events in flight") {
                receiver.isPaused && metrics.sentEvents.load(ordering: .relaxed) - receiver.count >= inFlight
            }
            let inFlight = metrics.sentEvents.load(ordering: .relaxed) - receiver.count
            await receiver.kill()
            _ = try await receiver.start(port: port)
            await running.value
            return inFlight
        }
        try await eventually("every message arrives") { Set(receiver.messages.map(T.id)).count == count }
        guard case .output(let stage)? = components.stage("out"), let output = stage as? SyslogOutput else {
            throw PipectlError("no syslog output stage")
        }
        return Run(receiver: receiver, metrics: metrics, replayed: output.replayedEvents, inFlightAtKill: inFlightAtKill)
    }

    /// Every id arrived; each connection is in order and starts no later than where the previous
    /// ones had got to; duplicates stay within what was replayed (and what was resent as a whole write).
    private func assertNothingLost(_ run: Run, count: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.receiver.problems, [], file: file, line: line)
        let all = run.receiver.messages
        XCTAssertEqual(Set(all.map(T.id)), Set(0..<count), "every message arrives", file: file, line: line)
        var highest = -1
        for (n, messages) in run.receiver.connections.enumerated() where !messages.isEmpty {
            let ids = messages.map(T.id)
            XCTAssertEqual(ids, ids.sorted(), "connection \(n) in order", file: file, line: line)
            XCTAssertLessThanOrEqual(ids[0], highest + 1, "connection \(n) skips from \(highest) to \(ids[0])", file: file, line: line)
            highest = max(highest, ids.last!)
            XCTAssertEqual(messages, ids.map(T.expected), "connection \(n): every field as sent", file: file, line: line)
        }
        XCTAssertLessThanOrEqual(all.count - count, run.replayed + run.inFlightAtKill, "duplicates come from replays",
                                 file: file, line: line)
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), count, file: file, line: line)
        XCTAssertEqual(run.metrics.dropCounts.map(\.1).reduce(0, +), 0, file: file, line: line)
        print("syslog reconnect: \(run.receiver.connections.count) connections, \(all.count - count) duplicates, "
              + "\(run.replayed) replayed, \(run.inFlightAtKill) in flight at the kill")
    }

    /// A few thousand messages; the receiver dies with data unread and comes back on the same port.
    func testReceiverRestartedMidStreamLosesNothing() async throws {
        let run = try await run(count: 5000, pauseAfter: 1500, inFlight: 200,
                                options: "batch: { max_events: 100 }\nreplay_tail: 8")
        XCTAssertGreaterThanOrEqual(run.receiver.connections.count, 2, "a reconnect")
        XCTAssertGreaterThan(run.replayed, 0, "unconfirmed writes were written again")
        XCTAssertGreaterThanOrEqual(run.metrics.errorCounter("network").load(ordering: .relaxed), 1)
        assertNothingLost(run, count: 5000)
    }

    /// The receiver stops reading, its window fills and the output's send queue holds many more
    /// writes than the tail; then it is killed. Those writes were written (to the kernel) but never
    /// acknowledged by the receiver's TCP: they are written again, so nothing is lost.
    func testWritesStillInTheSendQueueAreResent() async throws {
        let tail = 16, perWrite = 10
        let run = try await run(count: 3000, pauseAfter: 500, inFlight: 800,
                                options: "batch: { max_events: \(perWrite) }\nreplay_tail: \(tail)")
        XCTAssertGreaterThan(run.replayed, tail * perWrite * 3,
                             "far more than the tail was replayed: the send queue, which TCP never acknowledged")
        assertNothingLost(run, count: 3000)
    }

    /// The same over TLS: offsets count ciphertext (records, handshake), which is what TCP acknowledges.
    func testTLSWritesStillInTheSendQueueAreResent() async throws {
        let dir = try temporaryDirectory(self).path
        try T.makeCertificates(in: dir)
        let server = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile("\(dir)/cert.pem").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(dir)/key.pem", format: .pem)))
        let run = try await run(count: 3000, pauseAfter: 500, inFlight: 800, options: """
            batch: { max_events: 10 }
            replay_tail: 16
            mode: tls
            tls: { ca: "\(dir)/ca.pem", server_name: localhost }
            """, tls: server)
        XCTAssertGreaterThan(run.replayed, 16 * 10 * 3)
        assertNothingLost(run, count: 3000)
    }
}
