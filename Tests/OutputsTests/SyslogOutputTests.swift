import Foundation
import NIOSSL
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The syslog output end to end against a strict receiver: every message arrives, every field as sent.
final class SyslogOutputTests: XCTestCase {
    private typealias T = SyslogOutputTesting

    /// Runs `static → syslog` over events `0..<count` until the pipeline ends; checks what arrived.
    private func deliver(_ receiver: SyslogTestReceiver, port: Int, options: String, count: Int = 1000,
                         file: StaticString = #filePath, line: UInt = #line) async throws -> ComponentMetrics {
        let topology = try await T.topology(self, options: "address: 127.0.0.1:\(port)\n" + options, batches: T.batches(0..<count))
        try await withTimeout(seconds: 30) { await topology.run() }
        let metrics = T.metrics(topology)
        try await eventually("every message arrives") { receiver.count >= count }
        XCTAssertEqual(receiver.problems, [], file: file, line: line)
        XCTAssertEqual(receiver.messages, (0..<count).map(T.expected), file: file, line: line)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), count, file: file, line: line)
        XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0, file: file, line: line)
        return metrics
    }

    func testTCPWithOctetCounting() async throws {
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        let port = try await receiver.start()
        let metrics = try await deliver(receiver, port: port, options: "batch: { max_events: 64 }")
        XCTAssertEqual(receiver.connections.count, 1, "one lane, one connection")
        XCTAssertGreaterThan(metrics.requestDuration.snapshot.cumulative.last ?? 0, 10, "each write is timed")
        await receiver.kill()
    }

    func testTCPWithNewlineFraming() async throws {
        let receiver = try SyslogTestReceiver(.tcp(.newline))
        let port = try await receiver.start()
        _ = try await deliver(receiver, port: port, options: "framing: newline")
        await receiver.kill()
    }

    func testTLSWithACertificateFromATestCA() async throws {
        let dir = try temporaryDirectory(self).path
        try T.makeCertificates(in: dir)
        let server = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile("\(dir)/cert.pem").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(dir)/key.pem", format: .pem)))
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting), tls: server)
        let port = try await receiver.start()
        _ = try await deliver(receiver, port: port, options: """
            mode: tls
            tls: { ca: "\(dir)/ca.pem", server_name: localhost }
            """)
        await receiver.kill()
    }

    func testUDPOneMessagePerDatagram() async throws {
        let receiver = try SyslogTestReceiver(.udp)
        let port = try await receiver.start()
        // Loopback UDP drops nothing while the receiver keeps up; 200 messages stay well within its buffer.
        _ = try await deliver(receiver, port: port, options: "mode: udp", count: 200)
        await receiver.kill()
    }

    /// Three lanes, three connections; a source (hostname, appname, procid) keeps to one, so each is in order.
    func testConcurrencySpreadsSourcesOverConnectionsInOrder() async throws {
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        let port = try await receiver.start()
        let topology = try await T.topology(self, options: "address: 127.0.0.1:\(port)\nconcurrency: 3\nbatch: { max_events: 50 }",
                                            batches: T.batches(0..<3000))
        try await withTimeout(seconds: 30) { await topology.run() }
        try await eventually("every message arrives") { receiver.count >= 3000 }
        XCTAssertEqual(receiver.problems, [])
        XCTAssertEqual(Set(receiver.messages.map(T.id)), Set(0..<3000))
        XCTAssertEqual(receiver.connections.count, 3)
        for (n, messages) in receiver.connections.enumerated() {
            let ids = messages.map(T.id)
            XCTAssertEqual(ids, ids.sorted(), "connection \(n) in order")
            XCTAssertGreaterThan(ids.count, 500, "the sources spread over every lane")
        }
        await receiver.kill()
    }

    func testLongMessagesAreTruncatedAndCounted() async throws {
        let receiver = try SyslogTestReceiver(.tcp(.octetCounting))
        let port = try await receiver.start()
        var batch = LogBatch()
        batch.append(timestamp: T.epoch, message: String(repeating: "é", count: 400))
        let topology = try await T.topology(self, options: "address: 127.0.0.1:\(port)\nmax_message_bytes: 500\nhostname: h",
                                            batches: [.logs(batch)])
        try await withTimeout(seconds: 30) { await topology.run() }
        try await eventually("the message arrives") { receiver.count == 1 }
        let header = "<13>1 2026-11-29T18:00:00.000000Z h - - - - ".utf8.count
        XCTAssertEqual(receiver.messages.first?.message, String(repeating: "é", count: (500 - header) / 2))
        XCTAssertEqual(T.metrics(topology).errorCounts.first { $0.0 == "truncated" }?.1, 1)
        await receiver.kill()
    }

    func testConfigErrors() {
        let components = TestComponents()
        let registry = ComponentRegistry(components.registry.types + [SyslogOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              out:
                type: syslog
                inputs: [src]
                address: "127.0.0.1:514"
                mode: udp
                framing: newline
                tls: { verify: false }
                facility: local9
                severity: loud
                appname: "my app"
                max_message_bytes: 100
            """, file: "test.yaml", registry: registry)
        let messages = outcome.errors.map(\.description)
        for expected in ["framing: udp sends one message per datagram", "tls: tls options need mode: tls",
                         "facility: expected a facility name like local0", "severity: expected a severity name like warning",
                         "appname: must be 1 to 48 printable ASCII characters", "max_message_bytes: must be at least 480 bytes"] {
            XCTAssertTrue(messages.contains { $0.contains(expected) }, "\(expected) in \(messages)")
        }
    }
}

extension SyslogOutputTests {
    /// Nobody listens: some sends may fail with ECONNREFUSED (after the ICMP port unreachable of an
    /// earlier datagram, when that error reaches a send first). UDP is at most once: each datagram is
    /// sent once or dead-lettered, never retried.
    func testUDPToNobodyIsNeverRetried() async throws {
        let port = try freeLoopbackPort()
        let topology = try await T.topology(self, options: "address: 127.0.0.1:\(port)\nmode: udp\nbatch: { max_events: 10 }",
                                            batches: T.batches(0..<200, batchSize: 10))
        try await withTimeout(seconds: 30) { await topology.run() }
        let metrics = T.metrics(topology)
        let sent = metrics.sentEvents.load(ordering: .relaxed)
        let rejected = metrics.dropCounts.first { $0.0 == "rejected" }?.1 ?? 0
        XCTAssertEqual(sent + rejected, 200, "each datagram sent once or written off")
        XCTAssertEqual(metrics.errorCounts.first { $0.0 == "network" }?.1 ?? 0, rejected)
        XCTAssertEqual(metrics.retries.load(ordering: .relaxed), 0)
    }
}
