import Foundation
import PipelineTesting
import XCTest

/// pipectl's `syslog` output sends to a real rsyslogd over TCP (both framings) and UDP; every
/// field of every message is what pipectl's syslog input read, as rsyslog parses it.
final class RsyslogReceiverTests: XCTestCase {
    func testTCPOctetCounting() throws {
        try RsyslogReceiving.run(self, .tcp) { _ in "mode: tcp, framing: octet_counting" }
    }

    func testTCPNewlineFraming() throws {
        try RsyslogReceiving.run(self, .tcp) { _ in "mode: tcp, framing: newline" }
    }

    func testUDP() throws {
        try RsyslogReceiving.run(self, .udp) { _ in "mode: udp" }
    }

    /// Fixed header values replace the event's: lines of a file, which carry no syslog fields.
    func testFixedHeaderValues() throws {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(self)
        let certificates = try RsyslogTestCertificates(in: dir)
        let port = try freeLoopbackPort()
        let output = dir.appendingPathComponent("rsyslog.out"), input = dir.appendingPathComponent("in.log")
        let rsyslog = try RsyslogDaemon.started(self, in: dir, name: "rsyslog", tcpPorts: [port],
                                                config: RsyslogReceiving.config(.tcp, port: port, output: output.path,
                                                                                certificates: certificates))
        let messages = ["m1 first line", "m2 second line with \"quotes\" and | pipes", "m3 ünïcödé"]
        let before = Int64(Date().timeIntervalSince1970) * 1_000_000_000
        try messages.map { $0 + "\n" }.joined().write(to: input, atomically: true, encoding: .utf8)
        let pipectl = try RsyslogPipectl.start(self, in: dir, yaml: """
            data_dir: \(dir.path)/data
            api: { enabled: false }
            inputs:
              lines: { type: file, path: \(input.path), start_at: beginning, poll_interval: 20ms }
            outputs:
              rs:
                type: syslog
                inputs: [lines]
                address: "127.0.0.1:\(port)"
                hostname: fixed-host
                appname: fixed-app
                msgid: FIXED
                facility: local4
                severity: warning
            """)
        try poll("\(messages.count) messages in rsyslog's output", timeout: 30,
                 detail: { "got: \(fileLines(output)); rsyslog: \(rsyslog.diagnostics)" }) { fileLines(output).count >= messages.count }
        let after = (Int64(Date().timeIntervalSince1970) + 1) * 1_000_000_000
        RsyslogPipectl.stop(pipectl)
        rsyslog.stop()
        let got = fileLines(output).compactMap(SyslogFields.init(rsyslogLine:))
        XCTAssertEqual(got.count, messages.count, "\(fileLines(output))")
        for fields in got {
            XCTAssert((before...after).contains(fields.timestamp), "the time the line was read: \(fields.timestamp)")
        }
        let expected = zip(messages, got).map { message, fields in
            SyslogFields(facility: 20, severity: 4, timestamp: fields.timestamp, hostname: "fixed-host", appname: "fixed-app",
                         procid: nil, msgid: "FIXED", structuredData: nil, message: message)
        }
        assertSameMessages(got: got, expected: expected, key: RsyslogForwarding.marker, "fixed header values")
    }
}
