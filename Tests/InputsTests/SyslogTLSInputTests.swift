import Foundation
import Inputs
import NIOSSL
import Pipeline
import PipelineTesting
import XCTest

/// `mode: tls` (RFC 5425): the TCP path behind TLS 1.2+, with optional client certificates.
final class SyslogTLSInputTests: XCTestCase {
    private static let octetCounted: [UInt8] = {
        let m = "<165>1 2026-01-01T00:00:00.5Z web01 billing 4242 INVOICE [ex@32473 k=\"v\"] at=info user=42\n"
        return Array("\(m.utf8.count) \(m)".utf8)
    }()
    private static let lfFramed = Array("<13>1 2026-01-01T00:00:01Z web02 api 7 REQ - hello over lf\n".utf8)
    private static func line(_ text: String) -> [UInt8] { Array("<13>1 - host app - - - \(text)\n".utf8) }

    private func start(_ certs: TLSTestCertificates, _ tls: String = "") async throws -> (RunningPipeline, Int) {
        try await SyslogInputTests.start(self, mode: "tls", ", tls: { cert: \(certs.serverCert), key: \(certs.serverKey)\(tls) }")
    }

    private static func tlsErrors(_ pipeline: RunningPipeline) -> Int {
        pipeline.metrics("in").errorCounter("tls").load(ordering: .relaxed)
    }

    func testOctetCountedAndLFFramedMessagesArriveWithEveryField() async throws {
        let certs = try TLSTestCertificates(self)
        let (pipeline, port) = try await start(certs)
        let out = pipeline.capture()
        try await withTimeout(seconds: 60) {
            let client = try SyslogTLSTestClient.configuration(ca: certs.ca)
            try await SyslogTLSTestClient.send(port: port, client, Self.octetCounted + Self.octetCounted)
            try await SyslogTLSTestClient.send(port: port, client, Self.lfFramed)
            try await eventually("three messages") { out.eventCount == 3 }

            let events = SyslogInputTests.events(out)
            let (a, i) = try XCTUnwrap(events.first { $0.0.message($0.1) == "at=info user=42" })
            XCTAssertEqual(a.field(i, .facility), .int(20))
            XCTAssertEqual(a.field(i, .severity), .int(5))
            XCTAssertEqual(a.stringField(i, .hostname), "web01")
            XCTAssertEqual(a.stringField(i, .appname), "billing")
            XCTAssertEqual(a.stringField(i, .procid), "4242")
            XCTAssertEqual(a.stringField(i, .msgid), "INVOICE")
            XCTAssertEqual(a.stringField(i, .structuredData), "[ex@32473 k=\"v\"]")
            XCTAssertEqual(a.records[i].timestamp, 1_767_225_600_500_000_000)
            XCTAssertNil(a.field(i, .malformed))

            let (b, j) = try XCTUnwrap(events.first { $0.0.message($0.1) == "hello over lf" })
            XCTAssertEqual(b.field(j, .facility), .int(1))
            XCTAssertEqual(b.field(j, .severity), .int(5))
            XCTAssertEqual(b.stringField(j, .hostname), "web02")
            XCTAssertEqual(b.stringField(j, .appname), "api")
            XCTAssertEqual(b.stringField(j, .procid), "7")
            XCTAssertEqual(b.stringField(j, .msgid), "REQ")
            XCTAssertNil(b.field(j, .structuredData))
            XCTAssertEqual(b.records[j].timestamp, 1_767_225_601_000_000_000)
            XCTAssertNil(b.field(j, .malformed))
            XCTAssertEqual(Self.tlsErrors(pipeline), 0)
            XCTAssertEqual(pipeline.metrics("in").errorCounter("parse").load(ordering: .relaxed), 0)
        }
    }

    func testVerifyClientServesASignedClientAndRefusesOthers() async throws {
        let certs = try TLSTestCertificates(self)
        let (pipeline, port) = try await start(certs, ", ca: \(certs.ca), verify_client: true")
        let out = pipeline.capture()
        try await withTimeout(seconds: 60) {
            let signed = try SyslogTLSTestClient.configuration(ca: certs.ca, cert: certs.clientCert, key: certs.clientKey)
            try await SyslogTLSTestClient.send(port: port, signed, Self.line("signed 1"))
            try await eventually("the signed client is served") { out.messages == ["signed 1"] }

            // With TLS 1.3 the client may finish its side before the server refuses: watch the server.
            let anonymous = try SyslogTLSTestClient.configuration(ca: certs.ca)
            try? await SyslogTLSTestClient.send(port: port, anonymous, Self.line("no certificate"))
            try await eventually("the client without a certificate is refused") { Self.tlsErrors(pipeline) == 1 }
            let stranger = try SyslogTLSTestClient.configuration(ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey)
            try? await SyslogTLSTestClient.send(port: port, stranger, Self.line("untrusted certificate"))
            try await eventually("the client with an untrusted certificate is refused") { Self.tlsErrors(pipeline) == 2 }

            try await SyslogTLSTestClient.send(port: port, signed, Self.line("signed 2"))
            try await eventually("the signed client is still served") { out.eventCount == 2 }
            XCTAssertEqual(out.messages, ["signed 1", "signed 2"])
        }
    }

    func testATLS11ClientIsRefused() async throws {
        let certs = try TLSTestCertificates(self)
        let (pipeline, port) = try await start(certs)
        let out = pipeline.capture()
        try await withTimeout(seconds: 60) {
            var old = try SyslogTLSTestClient.configuration(ca: certs.ca)
            old.minimumTLSVersion = .tlsv1
            old.maximumTLSVersion = .tlsv11
            do {
                try await SyslogTLSTestClient.send(port: port, old, Self.line("tls 1.1"))
                XCTFail("a TLS 1.1 handshake succeeded")
            } catch {}
            try await eventually("the refusal is counted") { Self.tlsErrors(pipeline) == 1 }
            try await SyslogTLSTestClient.send(port: port, SyslogTLSTestClient.configuration(ca: certs.ca), Self.line("tls 1.2+"))
            try await eventually("a current client is served") { out.eventCount == 1 }
            XCTAssertEqual(out.messages, ["tls 1.2+"])
        }
    }

    func testPlaintextOnTheTLSPortIsRefusedWhileATLSConnectionKeepsDelivering() async throws {
        let certs = try TLSTestCertificates(self)
        let (pipeline, port) = try await start(certs)
        let out = pipeline.capture()
        try await withTimeout(seconds: 60) {
            let good = try await SyslogTLSTestClient(port: port, SyslogTLSTestClient.configuration(ca: certs.ca))
            try await good.send(Self.line("good 0"))
            try await eventually("the TLS connection delivers") { out.messages == ["good 0"] }

            let plain = try SyslogTestSocket.connectTCP(port: port)
            defer { close(plain) }
            try SyslogTestSocket.send(plain, Self.line("plaintext"))
            try await eventually("the plaintext connection is refused and counted") { Self.tlsErrors(pipeline) == 1 }
            var byte: UInt8 = 0, n = 0
            repeat { n = read(plain, &byte, 1) } while n > 0  // an alert at most, then the close (10 s receive timeout)
            XCTAssertEqual(n, 0, "closed by the input")

            try await good.send(Self.line("good 1"))
            try await eventually("the TLS connection still delivers") { out.eventCount == 2 }
            XCTAssertEqual(out.messages, ["good 0", "good 1"])
            await good.close()
        }
    }

    func testARefusedHandshakeIsLoggedWithItsReason() async throws {
        let certs = try TLSTestCertificates(self)
        let port = try freeLoopbackPort()
        let components = TestComponents(), logs = LogCapture()
        var registry = components.registry
        registry.register(SyslogInputConfig.componentType)
        let outcome = ConfigLoader.load(text: """
        data_dir: \(certs.directory)/data
        shutdown_timeout: 1s
        inputs:
          in: { type: syslog, mode: tls, listen: "127.0.0.1:\(port)", tls: { cert: \(certs.serverCert), key: \(certs.serverKey) } }
        outputs:
          out: { type: capture, inputs: [in] }
        """, file: "tls.yaml", registry: registry)
        let topology = try Topology(config: try XCTUnwrap(outcome.config, "\(outcome.errors)"), logger: logs.logger())
        try await topology.prepare()
        let run = Task { await topology.run() }
        addTeardownBlock {
            topology.shutdown()
            await run.value
        }
        let plain = try SyslogTestSocket.connectTCP(port: port)
        defer { close(plain) }
        try SyslogTestSocket.send(plain, Self.line("plaintext"))
        try await eventually("the refusal is logged") {
            logs.messages.contains { $0.hasPrefix("closed a TLS connection from 127.0.0.1:") && $0.hasSuffix(": handshake failed: WRONG_VERSION_NUMBER") }
        }
    }
}
