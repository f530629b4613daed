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

    /// Sends RFC 5424 and 3164 lines into a pipectl syslog input whose events go out through a
    /// `syslog` output (`outputOptions`: mode, framing, tls) to rsyslog listening with
    /// `listener`; compares every message rsyslog wrote with what was sent, field by field.
    static func run(_ test: XCTestCase, _ listener: Listener, outputOptions: (RsyslogTestCertificates) -> String,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(test)
        let certificates = try RsyslogTestCertificates(in: dir)
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
        let sent = RsyslogForwarding.messages()
        try LoopbackSockets.send(tcp: pipectlPort, Array(sent.map { $0.line + "\n" }.joined().utf8))
        try poll("\(sent.count) messages in rsyslog's output", timeout: 30,
                 detail: { "got: \(fileLines(output)); rsyslog: \(rsyslog.diagnostics)" }) { fileLines(output).count >= sent.count }
        RsyslogPipectl.stop(pipectl, file: file, line: line)
        rsyslog.stop()
        let lines = fileLines(output)
        let got = lines.compactMap(SyslogFields.init(rsyslogLine:))
        XCTAssertEqual(got.count, lines.count, "every line rsyslog wrote parses: \(lines)", file: file, line: line)
        XCTAssertEqual(lines.count, sent.count, "one message per event", file: file, line: line)
        assertSameMessages(got: got, expected: sent.map(\.fields), key: RsyslogForwarding.marker, "\(listener)", file: file, line: line)
    }
}
