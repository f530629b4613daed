#if canImport(Glibc)
import Glibc
#endif
import NIOSSL
import Pipeline
import TLSOptions

/// `syslog` (output): log events as RFC 5424 messages to a syslog receiver (rsyslog,
/// syslog-ng, a SIEM) over TCP, TLS (RFC 5425) or UDP (RFC 5426).
///
/// - address (host:port, required): the receiver, e.g. `127.0.0.1:6514`.
/// - mode (`tcp` | `tls` | `udp`, default tcp).
/// - framing (`octet_counting` | `newline`, default octet_counting; tcp and tls only): RFC 6587
///   octet counting (`LEN SP MSG`) or a LF after each message (a LF inside one becomes a space).
/// - tls (mapping, mode tls only): `ca`, `cert`, `key`, `server_name`, `verify` (default true).
/// - hostname, appname, msgid (strings): fixed header values instead of the event's fields.
/// - facility (name like `local0` or 0–23), severity (name like `warning` or 0–7): fixed
///   instead of the event's fields; absent from both: user and notice.
/// - max_message_bytes (size, default 64KiB, at least 480): longer messages are cut at a UTF-8
///   boundary, counted in `errors{kind="truncated"}`; with udp at most 65507 (one datagram).
/// - replay_tail (int, default 4, tcp and tls): the last writes the receiver's TCP acknowledged
///   that still count as unconfirmed and go again after a reconnect (`DeliveryStreamConfirmation`).
/// - batch.max_events (default 1000), batch.max_bytes (default 1MiB), batch.timeout
///   (default 100ms): one write (tcp, tls) or burst of datagrams (udp) per batch.
/// - concurrency (int, default 1): connections; events are spread by hostname, appname and
///   procid, so the messages of one source keep their order on one connection.
/// - request_timeout (duration, default 30s): connect, TLS handshake, one write.
/// - retry, dead_letter: as every network output.
/// - buffer (mapping): the inbox; with `type: disk` also `max_size`, `fsync` and `when_full` as
///   for remote-write: events are kept in `data_dir/buffers/<id>/` until delivered (or
///   dead-lettered), and replayed after a restart (`DeliveryInbox.consume(_:through:)`).
public struct SyslogOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "syslog", role: .output, accepts: .log, produces: .none,
                                                    supportsDiskBuffer: true) {
        SyslogOutputConfig(reader: $0)
    }

    enum Mode: String, Sendable { case tcp, tls, udp }

    /// The largest UDP payload over IPv4 (65535 − 8 − 20).
    static let maxDatagram = 65507

    static let defaults = DeliveryOptions.Defaults(
        batch: DeliveryBatchLimits(maxEvents: 1000, maxBytes: 1024 * 1024, timeout: .milliseconds(100)),
        maxBytesLimit: 64 * 1024 * 1024, maxBytesReason: "one write per batch is held in memory until confirmed",
        concurrency: 1)

    var host = ""
    var port = 0
    var mode = Mode.tcp
    var framing = SyslogFraming.octetCounting
    var tls: ClientTLSOptions?
    var fixed = SyslogEncoder.Fixed()
    var maxMessageBytes = 64 * 1024
    var replayTail = 4
    let delivery: DeliveryOptions

    init(reader: ConfigReader) {
        if let address = reader.address("address", required: true) { (host, port) = address }
        mode = Mode(rawValue: reader.choice("mode", ["tcp", "tls", "udp"], default: "tcp")) ?? .tcp
        if reader.has("framing") {
            let text = reader.choice("framing", ["octet_counting", "newline"], default: "octet_counting")
            if mode == .udp { reader.error("framing", "udp sends one message per datagram, without framing") }
            framing = SyslogFraming(rawValue: text) ?? .octetCounting
        }
        if mode == .udp { framing = .none }
        if let t = reader.child("tls") {
            tls = ClientTLSOptions(reader: t)
            if mode != .tls { reader.error("tls", "tls options need mode: tls") }
        } else if mode == .tls {
            tls = ClientTLSOptions()
        }
        fixed.hostname = Self.header(reader, "hostname", max: SyslogEncoder.maxHostname)
        fixed.appname = Self.header(reader, "appname", max: SyslogEncoder.maxAppname)
        fixed.msgid = Self.header(reader, "msgid", max: SyslogEncoder.maxMsgid)
        if let text = reader.string("facility") {
            fixed.facility = SyslogPriority.facility(text)
            if fixed.facility == nil { reader.error("facility", "expected a facility name like local0 or a number 0-23, got '\(text)'") }
        }
        if let text = reader.string("severity") {
            fixed.severity = SyslogPriority.severity(text)
            if fixed.severity == nil { reader.error("severity", "expected a severity name like warning or a number 0-7, got '\(text)'") }
        }
        maxMessageBytes = reader.size("max_message_bytes", default: maxMessageBytes)
        if maxMessageBytes < 480 {
            reader.error("max_message_bytes", "must be at least 480 bytes (RFC 5424 §6.1), got \(maxMessageBytes)")
        } else if mode == .udp, reader.has("max_message_bytes"), maxMessageBytes > Self.maxDatagram {
            reader.error("max_message_bytes", "must be at most \(Self.maxDatagram) bytes with udp (one datagram)")
        }
        if mode == .udp { maxMessageBytes = min(maxMessageBytes, Self.maxDatagram) }
        replayTail = reader.int("replay_tail", default: replayTail, range: 0...1_000_000)
        delivery = DeliveryOptions(reader: reader, defaults: Self.defaults)
    }

    /// A fixed header value: non-empty, PRINTUSASCII, within the RFC's length.
    private static func header(_ reader: ConfigReader, _ key: String, max: Int) -> [UInt8]? {
        guard let text = reader.string(key) else { return nil }
        let bytes = Array(text.utf8)
        if bytes.isEmpty || bytes.count > max || bytes.contains(where: { $0 < 33 || $0 > 126 }) {
            reader.error(key, "must be 1 to \(max) printable ASCII characters without spaces (RFC 5424 §6.2)")
        }
        return bytes
    }

    /// The machine's name, sanitised for HOSTNAME (`-` if it has none).
    static var machineHostname: [UInt8] {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return Array("-".utf8) }
        let bytes = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        guard !bytes.isEmpty else { return Array("-".utf8) }
        return SyslogHeaderValue.sanitised(Array(bytes.prefix(SyslogEncoder.maxHostname)))
    }

    func makeEncoder() -> SyslogEncoder {
        SyslogEncoder(fixed: fixed, defaultHostname: Self.machineHostname, framing: framing, maxMessageBytes: maxMessageBytes)
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let disk = try DeliveryDiskBuffer.open(context, name: "syslog(\(context.id))")
        return .output(SyslogOutput(id: context.id, config: self, tls: try tls?.makeConfiguration(),
                                    deadLetter: DeliveryDeadLetter(dataDirectory: context.dataDirectory, output: context.id,
                                                                   maxSize: delivery.deadLetterMaxSize),
                                    disk: disk))
    }
}
