import Foundation
import PipelineTesting
import XCTest

/// rsyslog → pipectl: a test sends syslog lines into a private rsyslogd's `imtcp` input; its
/// `omfwd` action forwards them to a `pipectl run` whose `syslog` input hands them to a `file`
/// output (JSON); every message's fields are then compared with what was sent.
enum RsyslogForwarding {
    /// The `omfwd` templates under test.
    enum Template: String {
        /// RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG`.
        case syslogProtocol23 = "RSYSLOG_SyslogProtocol23Format"
        /// RFC 3164 with an RFC 3339 timestamp: `<PRI>TIMESTAMP HOSTNAME TAG[PID]: MSG`; no MSGID or SD.
        case forward = "RSYSLOG_ForwardFormat"
        /// rsyslog's default: RFC 3164, `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`, the wall
        /// time of the message's own zone without year, fraction or offset.
        case traditional = "RSYSLOG_TraditionalForwardFormat"
    }

    /// `omfwd`'s `TCP_Framing`, or UDP (one message per datagram, RFC 5426).
    enum Framing: String {
        case octetCounted = "octet-counted"
        case lineFeed = "traditional"
        case udp
    }

    /// A line sent into rsyslog and its fields; `bsd` when the line is RFC 3164.
    struct Sent {
        let line: String
        let fields: SyslogFields
        let bsd: Bool
    }

    /// The marker word (`m1`…) that names a message.
    static func marker(_ fields: SyslogFields) -> String? {
        fields.message.split(separator: " ").first.map(String.init).flatMap { $0.hasPrefix("m") ? $0 : nil }
    }

    /// Lines with offsets, fractions down to the microsecond, nil fields, structured data with
    /// escapes, UTF-8, a BOM, a long message and an RFC 3164 line stamped `now` (read as UTC).
    static func messages(now: Date = Date()) -> [Sent] {
        func ts(_ s: String) -> Int64 { SyslogFields.nanoseconds(rfc3339: s)! }
        func m(_ line: String, _ f: Int, _ s: Int, _ stamp: String, _ host: String?, _ app: String?, _ procid: String?,
               _ msgid: String?, _ sd: String?, _ message: String) -> Sent {
            Sent(line: line, fields: SyslogFields(facility: f, severity: s, timestamp: ts(stamp), hostname: host, appname: app,
                                                  procid: procid, msgid: msgid, structuredData: sd, message: message), bsd: false)
        }
        let sd = #"[x@32473 k="v\"q" n="1"][y@32473 a="b\]c"]"#
        let long = "m6 " + String(repeating: "0123456789", count: 300)
        var bsd = tm()
        var seconds = time_t(now.timeIntervalSince1970)
        gmtime_r(&seconds, &bsd)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let bsdStamp = String(format: "%@ %2d %02d:%02d:%02d", months[Int(bsd.tm_mon)], bsd.tm_mday, bsd.tm_hour, bsd.tm_min, bsd.tm_sec)
        let bsdNanos = Int64(seconds) * 1_000_000_000
        return [
            m("<134>1 2026-11-29T18:00:00.123456+02:00 host-a app-a 1234 MSG1 \(sd) m1 first message with spaces",
              16, 6, "2026-11-29T16:00:00.123456Z", "host-a", "app-a", "1234", "MSG1", sd, "m1 first message with spaces"),
            m("<13>1 2026-11-29T18:00:00.5Z host-b app-b - - - m2 nil fields",
              1, 5, "2026-11-29T18:00:00.5Z", "host-b", "app-b", nil, nil, nil, "m2 nil fields"),
            m("<165>1 2026-01-02T03:04:05.000001-05:30 host-c app-c p-3 ID47 - m3 héllo wörld ✓",
              20, 5, "2026-01-02T08:34:05.000001Z", "host-c", "app-c", "p-3", "ID47", nil, "m3 héllo wörld ✓"),
            m("<14>1 2026-11-29T23:59:59.999999+00:00 host-e app-e 5 - - \u{FEFF}m5 with a BOM",
              1, 6, "2026-11-29T23:59:59.999999Z", "host-e", "app-e", "5", nil, nil, "m5 with a BOM"),
            m("<15>1 2025-06-30T12:00:00.000100+14:00 host-f app-f - - [z@1] \(long)",
              1, 7, "2025-06-29T22:00:00.0001Z", "host-f", "app-f", nil, nil, "[z@1]", long),
            Sent(line: "<30>\(bsdStamp) host-d daemon[99]: m4 bsd line",
                 fields: SyslogFields(facility: 3, severity: 6, timestamp: bsdNanos, hostname: "host-d", appname: "daemon",
                                      procid: "99", msgid: nil, structuredData: nil, message: "m4 bsd line"), bsd: true),
        ]
    }

    /// RFC 5424 lines stamped `now` in the zone `offsetHours` east of UTC, with microseconds,
    /// for formats that keep neither the year nor the zone (`.traditional`).
    static func messagesStampedNow(offsetHours: Int, now: Date = Date()) -> [Sent] {
        let micros = Int64(now.timeIntervalSince1970 * 1_000_000)
        var wall = time_t(micros / 1_000_000 + Int64(offsetHours * 3600))
        var t = tm()
        gmtime_r(&wall, &t)
        let stamp = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d%@%02d:00", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                           t.tm_hour, t.tm_min, t.tm_sec, Int(micros % 1_000_000), offsetHours < 0 ? "-" : "+", abs(offsetHours))
        func m(_ f: Int, _ s: Int, _ host: String, _ app: String, _ procid: String?, _ msgid: String?, _ sd: String?,
               _ message: String) -> Sent {
            Sent(line: "<\(f * 8 + s)>1 \(stamp) \(host) \(app) \(procid ?? "-") \(msgid ?? "-") \(sd ?? "-") \(message)",
                 fields: SyslogFields(facility: f, severity: s, timestamp: micros * 1000, hostname: host, appname: app,
                                      procid: procid, msgid: msgid, structuredData: sd, message: message), bsd: false)
        }
        return [m(16, 6, "host-t", "app-t", "77", "MSGT", #"[a@1 b="c"]"#, "m1 traditional format"),
                m(1, 5, "host-u", "app-u", nil, nil, nil, "m2 nil fields")]
    }

    /// What pipectl should read after rsyslog re-wrote `sent` with `template`.
    static func expected(_ sent: Sent, _ template: Template) -> SyslogFields {
        var fields = sent.fields
        switch template {
        case .syslogProtocol23:
            // rsyslog keeps the SP that follows `TAG:` of an RFC 3164 line as part of MSG.
            if sent.bsd { fields.message = " " + fields.message }
        case .forward, .traditional:
            fields.msgid = nil
            fields.structuredData = nil
        }
        if template == .traditional { fields.timestamp -= fields.timestamp % 1_000_000_000 }
        return fields
    }

    /// What pipectl should read of a message rsyslog itself parsed as `seen` (logger's).
    static func expected(seen: SyslogFields, _ template: Template) -> SyslogFields {
        var fields = seen
        if template == .traditional { fields.timestamp -= fields.timestamp % 1_000_000_000 }
        if template != .syslogProtocol23 {
            fields.msgid = nil
            fields.structuredData = nil
            // `sp-if-no-1st-sp` adds no SP before a MSG that starts with one, and the parser
            // takes one SP after `TAG:` as the separator.
            if fields.message.hasPrefix(" ") { fields.message.removeFirst() }
        }
        return fields
    }

    /// The rsyslog config: an `imtcp` input on `inPort` whose ruleset writes what rsyslog parsed
    /// to `seen` and forwards every message with `omfwd` to 127.0.0.1:`outPort`; `extra` adds
    /// action parameters (TLS). The forwarding action has its own queue and retries forever,
    /// so nothing is dropped while pipectl starts.
    static func config(inPort: Int, outPort: Int, template: Template, framing: Framing, seen: String, extra: String = "") -> String {
        """
        module(load="imtcp")
        \(SyslogFields.rsyslogTemplate)
        ruleset(name="forward") {
          action(type="omfile" file="\(seen)" template="fields")
          action(type="omfwd" target="127.0.0.1" port="\(outPort)" \(framing == .udp ? #"protocol="udp""# : #"protocol="tcp" TCP_Framing="\#(framing.rawValue)""#)
                 template="\(template.rawValue)" \(extra)
                 queue.type="LinkedList" action.resumeRetryCount="-1" action.resumeInterval="1")
        }
        input(type="imtcp" address="127.0.0.1" port="\(inPort)" ruleset="forward")
        """
    }

    /// A running forwarding set-up: pipectl's syslog input writing JSON to `output`, and
    /// rsyslog forwarding to it, both stopped by PID when the test ends.
    struct Setup {
        let output: URL
        /// What rsyslog parsed of each message it received.
        let seen: URL
        let pipectl: PipectlProcess
        let rsyslog: RsyslogDaemon
        let sent: [Sent]
    }

    /// Starts pipectl with a syslog input (`inputOptions`, e.g. `mode: tcp`) on a free port and
    /// rsyslog forwarding to it (`actionOptions`: more `omfwd` parameters), then sends every
    /// message into rsyslog: `messages` in one connection, then `RsyslogLogger.messages`.
    /// rsyslog and logger run in `senderTimeZone` (POSIX TZ, e.g. `UTC-2` for +02:00).
    static func start(_ test: XCTestCase, template: Template, framing: Framing, messages sent: [Sent] = messages(),
                      senderTimeZone: String = "UTC", inputOptions: (RsyslogTestCertificates) -> String,
                      actionOptions: (RsyslogTestCertificates) -> String) throws -> Setup {
        try RsyslogDaemon.requireInstalled()
        let dir = try temporaryDirectory(test)
        let certificates = try RsyslogTestCertificates(in: dir)
        let rsyslogPort = try freeLoopbackPort(), pipectlPort = try freeLoopbackPort()
        let output = dir.appendingPathComponent("out.ndjson"), seen = dir.appendingPathComponent("seen.log")
        let pipectl = try RsyslogPipectl.start(test, in: dir, yaml: """
            data_dir: \(dir.path)/data
            api: { enabled: false }
            inputs:
              rs: { type: syslog, listen: "127.0.0.1:\(pipectlPort)", \(inputOptions(certificates)) }
            outputs:
              out: { type: file, inputs: [rs], path: \(output.path), encoding: json }
            """, tcpPort: framing == .udp ? nil : pipectlPort, udpPort: framing == .udp ? pipectlPort : nil)
        let rsyslog = try RsyslogDaemon.started(test, in: dir, name: "rsyslog", tcpPorts: [rsyslogPort], timeZone: senderTimeZone,
                                                config: config(inPort: rsyslogPort, outPort: pipectlPort, template: template,
                                                               framing: framing, seen: seen.path,
                                                               extra: actionOptions(certificates)))
        try LoopbackSockets.send(tcp: rsyslogPort, Array(sent.map { $0.line + "\n" }.joined().utf8))
        try RsyslogLogger.send(tcp: rsyslogPort, timeZone: senderTimeZone)
        return Setup(output: output, seen: seen, pipectl: pipectl, rsyslog: rsyslog, sent: sent)
    }

    /// Forwards every message (see `start`), waits for them in pipectl's JSON output and
    /// compares them field by field: with the values sent, or for logger's messages with what
    /// rsyslog parsed.
    static func run(_ test: XCTestCase, template: Template, framing: Framing, messages: [Sent] = messages(),
                    senderTimeZone: String = "UTC", inputOptions: (RsyslogTestCertificates) -> String = { _ in "mode: tcp" },
                    actionOptions: (RsyslogTestCertificates) -> String = { _ in "" },
                    file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try start(test, template: template, framing: framing, messages: messages, senderTimeZone: senderTimeZone,
                          inputOptions: inputOptions, actionOptions: actionOptions)
        let count = s.sent.count + RsyslogLogger.messages.count
        try poll("\(count) events in pipectl's output", timeout: 30,
                 detail: { "got: \(fileLines(s.output)); rsyslog: \(s.rsyslog.diagnostics)" }) { fileLines(s.output).count >= count }
        s.rsyslog.stop()
        RsyslogPipectl.stop(s.pipectl, file: file, line: line)
        let lines = fileLines(s.output)
        let got = lines.compactMap(SyslogFields.init(pipectlJSON:))
        XCTAssertEqual(got.count, lines.count, "every line is a well-formed syslog event: \(lines)", file: file, line: line)
        XCTAssertEqual(lines.count, count, "one event per message", file: file, line: line)
        let seen = RsyslogLogger.seen(in: s.seen)
        XCTAssertEqual(seen.count, RsyslogLogger.messages.count, "rsyslog read logger's messages: \(fileLines(s.seen))", file: file, line: line)
        let want = s.sent.map { expected($0, template) } + seen.map { expected(seen: $0, template) }
        assertSameMessages(got: got, expected: want, key: marker,
                           "\(template.rawValue), \(framing.rawValue) framing", file: file, line: line)
    }

    /// Starts forwarding (see `start`) where the TLS handshake must fail: waits until rsyslog
    /// reports `rsyslogSays`, then checks that pipectl received nothing.
    static func refused(_ test: XCTestCase, inputOptions: (RsyslogTestCertificates) -> String,
                        actionOptions: (RsyslogTestCertificates) -> String, rsyslogSays: String,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try start(test, template: .syslogProtocol23, framing: .octetCounted, inputOptions: inputOptions,
                          actionOptions: actionOptions)
        try poll("rsyslog reporting \"\(rsyslogSays)\"", timeout: 30, detail: { s.rsyslog.diagnostics }) {
            s.rsyslog.diagnostics.contains(rsyslogSays)
        }
        s.rsyslog.stop()
        RsyslogPipectl.stop(s.pipectl, file: file, line: line)
        XCTAssertEqual(fileLines(s.output), [], "nothing arrives without a successful handshake", file: file, line: line)
    }
}
