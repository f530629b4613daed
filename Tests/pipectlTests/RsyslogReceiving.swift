import Foundation
import PipelineTesting
import XCTest

/// pipectl → rsyslog: a private rsyslogd receives what pipectl's `syslog` output sends and
/// writes each message's fields, one line each, with `SyslogFields.rsyslogTemplate`.
enum RsyslogReceiving {
    /// How the receiver listens.
    enum Listener {
        case tcp
        case udp
        /// TLS with rsyslog's `gtls` or `ossl` driver; `clientName` asks for a client
        /// certificate with that name (`x509/name`), else `anon`.
        case tls(driver: String, clientName: String?)
    }

    /// A receiver config: one input on `port` whose ruleset writes every message's fields to
    /// `output`. The main queue drains for up to 10 s at SIGTERM so a stop loses nothing it took.
    static func config(_ listener: Listener, port: Int, output: String, certificates: RsyslogTestCertificates) -> String {
        let input: String
        switch listener {
        case .tcp:
            input = #"module(load="imtcp") input(type="imtcp" address="127.0.0.1" port="\#(port)" ruleset="in")"#
        case .udp:
            input = #"module(load="imudp") input(type="imudp" address="127.0.0.1" port="\#(port)" ruleset="in")"#
        case .tls(let driver, let clientName):
            let auth = clientName.map { #"streamDriver.authMode="x509/name" permittedPeer="\#($0)""# }
                ?? #"streamDriver.authMode="anon""#
            input = """
            module(load="imtcp")
            input(type="imtcp" address="127.0.0.1" port="\(port)" ruleset="in"
                  streamDriver.name="\(driver)" streamDriver.mode="1" \(auth)
                  streamDriver.CAFile="\(certificates.ca)" streamDriver.certFile="\(certificates.serverCert)"
                  streamDriver.keyFile="\(certificates.serverKey)")
            """
        }
        return """
        main_queue(queue.timeoutShutdown="10000")
        \(SyslogFields.rsyslogTemplate)
        ruleset(name="in") { action(type="omfile" file="\(output)" template="fields") }
        \(input)
        """
    }

    /// A running set-up: rsyslog writing what it receives to `output`, and pipectl sending to
    /// it, both stopped by PID when the test ends.
    struct Setup {
        let output: URL
        let pipectlLog: URL
        let pipectl: PipectlProcess
        let rsyslog: RsyslogDaemon
    }

    /// Starts rsyslog listening with `listener` and pipectl with a syslog input on a free port
    /// whose events go out through a `syslog` output (`outputOptions`: mode, framing, tls) to
    /// rsyslog, then sends `messages` into pipectl (octet-counted, so a message may hold a LF).
    static func start(_ test: XCTestCase, _ listener: Listener, messages sent: [RsyslogForwarding.Sent],
                      serverAltNames: String = "DNS:localhost,IP:127.0.0.1",
                      outputOptions: (RsyslogTestCertificates) -> String) throws -> Setup {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(test)
        let certificates = try RsyslogTestCertificates(in: dir, serverAltNames: serverAltNames)
        let rsyslogPort = try freeLoopbackPort(), pipectlPort = try freeLoopbackPort()
        let output = dir.appendingPathComponent("rsyslog.out")
        var udp = false
        if case .udp = listener { udp = true }
        let rsyslog = try RsyslogDaemon.started(test, in: dir, name: "rsyslog", tcpPorts: udp ? [] : [rsyslogPort],
                                                udpPorts: udp ? [rsyslogPort] : [],
                                                config: config(listener, port: rsyslogPort, output: output.path, certificates: certificates))
        let pipectl = try RsyslogPipectl.start(test, in: dir, yaml: """
            data_dir: \(dir.path)/data
            api: { enabled: false }
            inputs:
              in: { type: syslog, mode: tcp, listen: "127.0.0.1:\(pipectlPort)" }
            outputs:
              rs: { type: syslog, inputs: [in], address: "127.0.0.1:\(rsyslogPort)", \(outputOptions(certificates)) }
            """, tcpPort: pipectlPort)
        try LoopbackSockets.send(tcp: pipectlPort, Array(sent.map { "\($0.line.utf8.count) \($0.line)" }.joined().utf8))
        return Setup(output: output, pipectlLog: dir.appendingPathComponent("pipeline.yaml.log"), pipectl: pipectl, rsyslog: rsyslog)
    }

    /// Sends `messages` through pipectl to rsyslog (see `start`) and compares every message
    /// rsyslog wrote with `expected` of what was sent (by default the sent fields), field by field.
    static func run(_ test: XCTestCase, _ listener: Listener, messages sent: [RsyslogForwarding.Sent] = RsyslogForwarding.messages(),
                    expected: (RsyslogForwarding.Sent) -> SyslogFields = \.fields,
                    outputOptions: (RsyslogTestCertificates) -> String,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try start(test, listener, messages: sent, outputOptions: outputOptions)
        try poll("\(sent.count) messages in rsyslog's output", timeout: 30,
                 detail: { "got: \(fileLines(s.output)); rsyslog: \(s.rsyslog.diagnostics)" }) { fileLines(s.output).count >= sent.count }
        RsyslogPipectl.stop(s.pipectl, file: file, line: line)
        s.rsyslog.stop()
        let lines = fileLines(s.output)
        let got = lines.compactMap(SyslogFields.init(rsyslogLine:))
        XCTAssertEqual(got.count, lines.count, "every line rsyslog wrote parses: \(lines)", file: file, line: line)
        XCTAssertEqual(lines.count, sent.count, "one message per event", file: file, line: line)
        assertSameMessages(got: got, expected: sent.map(expected), key: RsyslogForwarding.marker, "\(listener)", file: file, line: line)
    }

    /// Starts sending (see `start`) where the TLS handshake must fail: waits until rsyslog's
    /// output holds `rsyslogSays` or pipectl's log `pipectlSays`, then checks that rsyslog
    /// wrote no message.
    static func refused(_ test: XCTestCase, _ listener: Listener, serverAltNames: String = "DNS:localhost,IP:127.0.0.1",
                        outputOptions: (RsyslogTestCertificates) -> String, rsyslogSays: String? = nil, pipectlSays: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try start(test, listener, messages: RsyslogForwarding.messages(), serverAltNames: serverAltNames,
                          outputOptions: outputOptions)
        try poll("rsyslog reporting \"\(rsyslogSays ?? "")\", pipectl \"\(pipectlSays ?? "")\"", timeout: 30,
                 detail: { "rsyslog: \(s.rsyslog.diagnostics) pipectl: \(RsyslogPipectl.logText(s.pipectlLog))" }) {
            (rsyslogSays.map(s.rsyslog.diagnostics.contains) ?? false) || (pipectlSays.map(RsyslogPipectl.logText(s.pipectlLog).contains) ?? false)
        }
        s.pipectl.signal(SIGKILL)
        s.pipectl.wait(timeout: 10)
        s.rsyslog.stop()
        XCTAssertEqual(fileLines(s.output), [], "nothing arrives without a successful handshake", file: file, line: line)
    }
}
