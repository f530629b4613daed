import NIOCore
import Pipeline
import TLSOptions

/// `syslog`: RFC 5424 and RFC 3164 messages over UDP, TCP (RFC 6587) or TLS (RFC 5425).
///
/// - mode (`udp` | `tcp` | `tls`, required): `tls` is the TCP path behind TLS 1.2+.
/// - listen (address, required): e.g. `0.0.0.0:514` (`6514` is the TLS port).
/// - tls (`{cert, key, ca, verify_client}`, required in tls mode, an error otherwise): see
///   `ServerTLSOptions`; `verify_client: true` refuses clients without a certificate signed by `ca`.
/// - max_message_bytes (size, default 64KiB): larger datagrams are dropped, larger TCP frames
///   refused; both counted `errors{kind="too_large"}`.
/// - max_connections (integer, default 1024, tcp/tls): connections over it are closed and counted.
/// - idle_timeout (duration, default 5m, tcp/tls): a connection silent that long is closed.
/// - timezone_offset (`±HH:MM`, default UTC): the zone RFC 3164 timestamps are read in.
/// - acknowledgements (bool, default false, tcp/tls): a connection is read on only once every
///   output reading its last batch has the events in its buffer (UDP cannot hold a sender back).
public struct SyslogInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "syslog", role: .input, produces: .fixed(.log)) {
        SyslogInputConfig(reader: $0)
    }

    enum Mode: String { case udp, tcp, tls }

    var mode = Mode.tcp
    var host = "0.0.0.0"
    var port = 0
    var maxMessageBytes = 64 * 1024
    var maxConnections = 1024
    var idleTimeout: Duration = .seconds(300)
    var timeZoneOffsetMinutes = 0
    var tls: ServerTLSOptions?
    var acknowledgements = false

    public init(reader: ConfigReader) {
        var known: Mode?
        if let text = reader.string("mode", required: true) {
            known = Mode(rawValue: text)
            if known == nil { reader.error("mode", "expected one of udp, tcp, tls, got '\(text)'") }
        }
        mode = known ?? .tcp
        switch known {
        case .tls?:
            if let tlsReader = reader.child("tls") {
                tls = ServerTLSOptions(reader: tlsReader)
            } else {
                reader.error(nil, "missing required option 'tls' (mode tls needs at least cert and key)")
            }
        case let other?:
            if reader.has("tls") { reader.error("tls", "applies to mode tls only (mode is \(other.rawValue))") }
        case nil:
            _ = reader.has("tls")
        }
        if let address = reader.address("listen", required: true) { (host, port) = address }
        maxMessageBytes = reader.size("max_message_bytes", default: maxMessageBytes)
        if maxMessageBytes < 1 { reader.error("max_message_bytes", "must be at least 1 byte") }
        maxConnections = reader.int("max_connections", default: maxConnections, range: 1...1_000_000)
        idleTimeout = reader.duration("idle_timeout", default: idleTimeout, minimum: .seconds(1))
        acknowledgements = reader.bool("acknowledgements", default: false)
        if acknowledgements, mode == .udp {
            reader.error("acknowledgements", "needs mode tcp or tls: UDP cannot hold a sender back")
        }
        if let text = reader.string("timezone_offset") {
            if let minutes = Self.offsetMinutes(text) {
                timeZoneOffsetMinutes = minutes
            } else {
                reader.error("timezone_offset", "expected an offset like \"+02:00\" or \"-05:30\", got \"\(text)\"")
            }
        }
    }

    /// `+HH:MM` / `-HH:MM` (or `Z`) to minutes east of UTC.
    static func offsetMinutes(_ text: String) -> Int? {
        if text == "Z" || text == "UTC" { return 0 }
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
              let hours = Int(String(decoding: bytes[1...2], as: UTF8.self)),
              let minutes = Int(String(decoding: bytes[4...5], as: UTF8.self)), hours <= 23, minutes <= 59 else { return nil }
        return (bytes[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    /// TCP and TLS: one producer lane per event loop, one per core. UDP: one socket, one lane.
    public var producerLanes: Int { mode == .udp ? 1 : System.coreCount }

    /// Loads the TLS files here, so a bad one stops `pipectl run` before anything starts.
    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(try SyslogInput(config: self, metrics: context.metrics, logger: context.logger))
    }
}
