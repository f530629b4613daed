import NIOCore
import Pipeline

/// `syslog`: RFC 5424 and RFC 3164 messages over UDP or TCP (RFC 6587).
///
/// - mode (`udp` | `tcp`, required): TLS (RFC 5425) is not supported yet.
/// - listen (address, required): e.g. `0.0.0.0:514`.
/// - max_message_bytes (size, default 64KiB): larger datagrams are dropped, larger TCP frames
///   refused; both counted `errors{kind="too_large"}`.
/// - max_connections (integer, default 1024, tcp): connections over it are closed and counted.
/// - idle_timeout (duration, default 5m, tcp): a connection silent that long is closed.
/// - timezone_offset (`±HH:MM`, default UTC): the zone RFC 3164 timestamps are read in.
public struct SyslogInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "syslog", role: .input, produces: .fixed(.log)) {
        SyslogInputConfig(reader: $0)
    }

    enum Mode: String { case udp, tcp }

    var mode = Mode.tcp
    var host = "0.0.0.0"
    var port = 0
    var maxMessageBytes = 64 * 1024
    var maxConnections = 1024
    var idleTimeout: Duration = .seconds(300)
    var timeZoneOffsetMinutes = 0

    public init(reader: ConfigReader) {
        if let text = reader.string("mode", required: true) {
            if let mode = Mode(rawValue: text) {
                self.mode = mode
            } else {
                reader.error("mode", "expected one of udp, tcp, got '\(text)'\(text == "tls" ? " (tls is not supported yet)" : "")")
            }
        }
        if let address = reader.address("listen", required: true) { (host, port) = address }
        maxMessageBytes = reader.size("max_message_bytes", default: maxMessageBytes)
        if maxMessageBytes < 1 { reader.error("max_message_bytes", "must be at least 1 byte") }
        maxConnections = reader.int("max_connections", default: maxConnections, range: 1...1_000_000)
        idleTimeout = reader.duration("idle_timeout", default: idleTimeout, minimum: .seconds(1))
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

    /// TCP: one producer lane per event loop, one per core. UDP: one socket, one lane.
    public var producerLanes: Int { mode == .udp ? 1 : System.coreCount }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(SyslogInput(config: self, metrics: context.metrics, logger: context.logger))
    }
}
