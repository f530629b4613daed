import Foundation
import NIOCore
import NIOSSL
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The stream transport through the driver against a receiver that drops connections
/// mid-stream: every message arrives (duplicates allowed, counted), in order on each connection.
final class DeliveryStreamTransportTests: XCTestCase {
    /// A fake line protocol: event `id` is the frame `m<id>\n`; the receiver acknowledges each with `.`.
    private struct LineProtocol: DeliveryProtocol {
        typealias Transport = DeliveryStreamTransport
        let classifier: DeliveryStreamClassifier

        func prepare(_ payload: TestPayload, attempt: Int) -> DeliveryStreamWrite {
            DeliveryStreamWrite(bytes: ByteBuffer(string: payload.ids.map { "m\($0)\n" }.joined()), events: payload.eventCount)
        }

        func classify(_ result: DeliveryResult<Void>, of payload: TestPayload) -> DeliveryOutcome<Never> {
            classifier.classify(result)
        }
    }

    private static let dots = DeliveryStreamConfirmation.acknowledgements(window: 8) { received in
        let n = received.readableBytes
        received.moveReaderIndex(forwardBy: n)
        return n
    }

    private struct Run {
        let connections: [[Int]]
        let metrics: ComponentMetrics
        let replayed: Int
    }

    /// Sends `payloads` payloads of 10 messages each through one lane, then `finish()`.
    private func run(_ receiver: DeliveryStreamTestReceiver, confirmation: DeliveryStreamConfirmation,
                     tls: TLSConfiguration? = nil, payloads: Int = 60) async throws -> Run {
        let port = try await receiver.start()
        let metrics = ComponentMetrics(id: "s")
        let log = RateLimitedLogger(logger: LogCapture().logger(), burst: 1000)
        let transport = try DeliveryStreamTransport(name: "test(s)", host: "127.0.0.1", port: port, tls: tls,
                                                    serverName: tls == nil ? nil : "localhost", confirmation: confirmation,
                                                    timeout: .seconds(5), metrics: metrics, log: log)
        let driver = DeliveryDriver(name: "test(s)", wire: LineProtocol(classifier: DeliveryStreamClassifier(name: "test(s)", endpoint: transport.endpoint)),
                                    transport: transport, policy: .init(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(50)),
                                    deadLetter: DeliveryDeadLetter(dataDirectory: try temporaryDirectory(self).path, output: "s"),
                                    metrics: metrics, log: log, clock: ContinuousClock())
        try await withTimeout(seconds: 30) {
            for p in 0..<payloads { await driver.deliver(TestPayload(Array(p * 10..<(p + 1) * 10))) }
            await driver.finish()
        }
        await transport.shutdown()
        try await eventually("the receiver read every connection to its end") { receiver.allClosed }
        await receiver.stop()
        return Run(connections: receiver.connections, metrics: metrics, replayed: transport.replayedEvents.load(ordering: .relaxed))
    }

    /// Every id arrived; each connection is in order and starts no later than where the
    /// previous ones had got to (nothing skipped); duplicates stay within what was replayed.
    private func assertNothingLost(_ run: Run, messages: Int, file: StaticString = #filePath, line: UInt = #line) {
        let all = run.connections.flatMap { $0 }
        XCTAssertEqual(Set(all), Set(0..<messages), "every message arrives", file: file, line: line)
        var highest = -1
        for (n, ids) in run.connections.enumerated() where !ids.isEmpty {
            XCTAssertEqual(ids, ids.sorted(), "connection \(n) in order", file: file, line: line)
            XCTAssertLessThanOrEqual(ids[0], highest + 1, "connection \(n) skips from \(highest) to \(ids[0])", file: file, line: line)
            highest = max(highest, ids.last!)
        }
        let duplicates = all.count - messages
        XCTAssertLessThanOrEqual(duplicates, run.replayed, "duplicates come from replays", file: file, line: line)
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), messages, file: file, line: line)
        print("stream: \(run.connections.count) connections, \(duplicates) duplicates, \(run.replayed) events replayed")
    }

    /// Acknowledged stream, dropped twice mid-message: the unacknowledged writes go again.
    func testDroppedConnectionsLoseNothingUnacknowledged() async throws {
        let receiver = try DeliveryStreamTestReceiver(acknowledges: true, drops: [1234, 1001])
        let run = try await run(receiver, confirmation: Self.dots)
        XCTAssertGreaterThanOrEqual(run.connections.count, 3, "two drops, two reconnects")
        XCTAssertGreaterThan(run.replayed, 0, "something unacknowledged was written again")
        XCTAssertGreaterThanOrEqual(run.metrics.errorCounter("network").load(ordering: .relaxed), 1)
        assertNothingLost(run, messages: 600)
    }

    /// A receiver that never answers and reads on after the drop point, discarding what its TCP
    /// acknowledged: the writes TCP had not acknowledged, and the tail, go again after a reconnect.
    func testSilentReceiverGetsTheUnacknowledgedWritesAndTheTailAgain() async throws {
        let receiver = try DeliveryStreamTestReceiver(acknowledges: false, drops: [1500])
        let run = try await run(receiver, confirmation: .tcpAcknowledged(tail: 4))
        XCTAssertGreaterThanOrEqual(run.connections.count, 2)
        XCTAssertGreaterThan(run.replayed, 0)
        assertNothingLost(run, messages: 600)
    }

    func testOverTLSWithAGeneratedCertificate() async throws {
        let (cert, key) = try makeCertificate()
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(cert)], privateKey: .privateKey(key))
        server.minimumTLSVersion = .tlsv12
        var client = TLSConfiguration.makeClientConfiguration()
        client.trustRoots = .certificates([cert])
        let receiver = try DeliveryStreamTestReceiver(acknowledges: true, drops: [1234], tls: server)
        let run = try await run(receiver, confirmation: Self.dots, tls: client)
        XCTAssertGreaterThanOrEqual(run.connections.count, 2)
        assertNothingLost(run, messages: 600)
    }

    func testUnreachableReceiverFailsAsANetworkError() async throws {
        let port = try freeLoopbackPort()
        let transport = try DeliveryStreamTransport(name: "test(s)", host: "127.0.0.1", port: port, tls: nil, confirmation: Self.dots,
                                                    timeout: .seconds(5), metrics: ComponentMetrics(id: "s"),
                                                    log: RateLimitedLogger(logger: LogCapture().logger()))
        guard case .failure(let reason) = await transport.send(DeliveryStreamWrite(bytes: ByteBuffer(string: "m1\n"), events: 1)) else {
            return XCTFail("sent to nobody")
        }
        XCTAssertEqual(reason, "cannot connect: Connection refused")
        XCTAssertEqual(transport.endpoint, "tcp://127.0.0.1:\(port)")
        await transport.shutdown()
    }

    /// A self-signed certificate for `localhost`, made with the openssl command.
    private func makeCertificate() throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let dir = try temporaryDirectory(self).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/key.pem", "-out", "\(dir)/cert.pem",
                             "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { throw XCTSkip("openssl is not available to make a test certificate") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("openssl could not make a test certificate") }
        return (try NIOSSLCertificate(file: "\(dir)/cert.pem", format: .pem), try NIOSSLPrivateKey(file: "\(dir)/key.pem", format: .pem))
    }
}
