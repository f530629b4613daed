import Foundation
import PipelineTesting
import XCTest

/// Many messages through a real rsyslogd into pipectl's syslog input: rsyslog's `omfwd`
/// writes frames in its own batches, so frames straddle TCP reads (and TLS records). Every
/// message arrives once, in the order sent (one connection each way).
final class RsyslogToPipectlVolumeTests: XCTestCase {
    private let count = 20_000

    func testOctetCounted() throws {
        try forward(framing: .octetCounted)
    }

    func testLineFeedFramed() throws {
        try forward(framing: .lineFeed)
    }

    func testOctetCountedOverTLS() throws {
        try forward(framing: .octetCounted, tls: true)
    }

    private func forward(framing: RsyslogForwarding.Framing, tls: Bool = false) throws {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(self)
        let c = try RsyslogTestCertificates(in: dir)
        let rsyslogPort = try freeLoopbackPort(), pipectlPort = try freeLoopbackPort()
        let output = dir.appendingPathComponent("out.ndjson")
        let mode = tls ? "mode: tls, tls: { cert: \(c.serverCert), key: \(c.serverKey) }" : "mode: tcp"
        let pipectl = try RsyslogPipectl.start(self, in: dir, yaml: """
            data_dir: \(dir.path)/data
            api: { enabled: false }
            inputs:
              rs: { type: syslog, listen: "127.0.0.1:\(pipectlPort)", \(mode) }
            outputs:
              out: { type: file, inputs: [rs], path: \(output.path), encoding: json }
            """, tcpPort: pipectlPort)
        let action = tls ? #"StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="anon" StreamDriver.CAFile="\#(c.ca)""# : ""
        let rsyslog = try RsyslogDaemon.started(self, in: dir, name: "rsyslog", tcpPorts: [rsyslogPort],
                                                config: RsyslogForwarding.config(inPort: rsyslogPort, outPort: pipectlPort,
                                                                                 template: .syslogProtocol23, framing: framing,
                                                                                 seen: dir.appendingPathComponent("seen.log").path,
                                                                                 extra: action))
        let padding = String(repeating: "p", count: 100)
        let lines = (0..<count).map { "<13>1 2026-11-29T18:00:00.000001Z host app - - - seq \($0) \(padding)\n" }
        try LoopbackSockets.send(tcp: rsyslogPort, Array(lines.joined().utf8))
        try poll("\(count) events in pipectl's output", timeout: 60,
                 detail: { "got \(fileLines(output).count); rsyslog: \(rsyslog.diagnostics)" }) { fileLines(output).count >= count }
        rsyslog.stop()
        RsyslogPipectl.stop(pipectl)
        let got = fileLines(output).map { line -> Int in
            guard let message = jsonObject(line)?["message"] as? String, message.hasSuffix(padding),
                  let n = Int(message.dropFirst(4).prefix { $0 != " " }) else { return -1 }
            return n
        }
        XCTAssertEqual(got.count, count)
        XCTAssertEqual(got.firstIndex { $0 < 0 }, nil, "every event is one whole message")
        XCTAssertEqual(got, Array(0..<count), "each message once, in order")
    }
}
