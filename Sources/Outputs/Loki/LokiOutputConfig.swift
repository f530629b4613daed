import Codecs
import Foundation
import Pipeline

/// `loki`: sends log events to Grafana Loki's push API (`POST /loki/api/v1/push`, PROTOCOLS.md
/// "Loki push").
///
/// - url (url, required): Loki, e.g. `http://127.0.0.1:3100`; a URL without a path (or `/`)
///   gets `/loki/api/v1/push`, any other path is used as given (a gateway's route).
/// - labels (map of label name → template, default none): the stream's labels, each rendered from
///   the event (`app: "{{ appname }}"`, `job: heroku`). Names are Prometheus label names
///   (`[a-zA-Z_][a-zA-Z0-9_]*`, not `__*`). A label whose value renders empty is left off; a
///   stream left with no label at all goes as `{agent="pipectl"}` (Loki refuses a stream without
///   labels). Values are cut to 2048 bytes (Loki's `max_label_value_length`) at a UTF-8 boundary.
///   A template reading a field that changes with nearly every event (`request_id`, `frame_id`,
///   `msgid`, `message`, …) is a warning: each value is a new stream. More than 15 labels (Loki's
///   `max_label_names_per_series`) is a warning.
/// - tenant (string, default none): sent as `X-Scope-OrgID` (multi-tenant Loki); at most 150 of
///   `a-z A-Z 0-9 ! - _ . * ' ( )`.
/// - encoding (`protobuf` | `json`, default protobuf): a snappy-compressed `PushRequest`
///   (`Content-Type: application/x-protobuf`), or `{"streams":[…]}` (`application/json`).
/// - compression (json: `gzip` | `none`, default gzip; protobuf: `snappy`, the only one it takes).
/// - line (`message` | `json`, default message): the entry's line is the event's message, or
///   the whole event in the NDJSON form of SPEC §4 (timestamp, message and every field).
/// - max_line_bytes (size, default 256KiB, at least 64 bytes): Loki's default `max_line_size`.
/// - line_too_long (`truncate` | `drop`, default truncate): a longer line is cut at a UTF-8
///   boundary, counted as `errors{kind="truncated"}`, or left out, counted as
///   `dropped{reason="line_too_long"}` and logged.
/// - batch.max_events (int, default 10000), batch.max_bytes (size, default 1MiB, at most
///   4032KiB: Loki refuses a push over 4MiB of protobuf between distributor and ingester;
///   the headroom covers what it adds), batch.timeout (duration, default 1s). A request over
///   `max_bytes` (uncompressed) is split in halves.
/// - concurrency (int, default 2): requests in flight. Events are spread by a hash of their
///   stream's labels, so one stream always goes through one lane: its entries reach Loki in order.
/// - auth (`{bearer_token}` or `{username, password}`), headers (map; not `Content-Type`,
///   `Content-Encoding`, `X-Scope-OrgID`, `User-Agent`), tls (`ca`, `cert`, `key`,
///   `server_name`, `verify`), request_timeout, retry, dead_letter: as every HTTP output.
/// - buffer (mapping): the inbox; `type: disk` keeps events in `data_dir/buffers/<id>/` until
///   delivered or dead-lettered, replayed after a restart (`DeliveryInbox.consumeLogs`).
///
/// Within a request entries are grouped by stream, each stream's entries sorted by timestamp
/// (stable: equal timestamps keep their arrival order). Answers (measured on Loki 2.8): 2xx
/// delivered; 429 and 5xx retried, honouring `Retry-After`; a 413, or a 500 saying `grpc:
/// received message larger than max`, splits the request; any other 4xx (out of order, too old,
/// line too long, bad labels) is never retried — Loki may have stored the rest of the request —
/// and the request goes to `data_dir/dead_letter/<id>.ndjson` with Loki's answer, counted as
/// `dropped{reason="rejected"}`. Structured metadata is never sent (Loki 2.8 refuses it).
public struct LokiOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "loki", role: .output, accepts: .log, produces: .none,
                                                    supportsDiskBuffer: true) {
        LokiOutputConfig(reader: $0)
    }

    /// Loki's gRPC message limit between distributor and ingester (`grpc_server_max_recv_msg_size`).
    static let receiverLimit = 4 * 1024 * 1024
    /// What a request may hold of it: the distributor re-encodes each ingester's share with a bit more.
    static let maxBytesLimit = receiverLimit - 64 * 1024

    package static let defaults = DeliveryOptions.Defaults(
        batch: DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 1024 * 1024, timeout: .seconds(1)),
        maxBytesLimit: maxBytesLimit,
        maxBytesReason: "Loki refuses pushes over 4MiB of protobuf (gRPC limit); some room is left for its re-encoding",
        concurrency: 2)

    /// Headers the output sets itself (lower case), refused in `headers:`.
    static let reservedHeaders = ["content-type", "content-encoding", "x-scope-orgid", "user-agent"]
    /// Field names whose values are (nearly) unique per event: a label made of one mints a stream per event.
    static let highCardinalityFields: Set<String> = [
        "message", "timestamp", "request_id", "frame_id", "msgid", "trace_id", "span_id", "id", "uuid", "drain_token",
    ]
    /// Loki's default `max_label_names_per_series`.
    static let maxLabelNames = 15

    var http: DeliveryHTTPOptions
    let delivery: DeliveryOptions
    var format = LokiFormat()
    var tenant: String?

    init(reader: ConfigReader) {
        http = DeliveryHTTPOptions(reader: reader, reserved: Self.reservedHeaders)
        http.url = Self.pushURL(http.url)
        delivery = DeliveryOptions(reader: reader, defaults: Self.defaults)
        format.labels = Self.labels(reader)
        if let text = reader.string("tenant") {
            tenant = text
            if !Self.isValidTenant(text) {
                reader.error("tenant", "expected 1 to 150 of a-z A-Z 0-9 ! - _ . * ' ( ) (a Loki tenant ID), got '\(text)'")
            }
        }
        format.encoding = LokiFormat.Encoding(rawValue: reader.choice("encoding", ["protobuf", "json"], default: "protobuf")) ?? .protobuf
        switch format.encoding {
        case .protobuf:
            _ = reader.choice("compression", ["snappy"], default: "snappy")
            format.compression = .snappy
        case .json:
            format.compression = LokiFormat.Compression(rawValue: reader.choice("compression", ["gzip", "none"], default: "gzip")) ?? .gzip
        }
        format.line = LokiFormat.Line(rawValue: reader.choice("line", ["message", "json"], default: "message")) ?? .message
        format.maxLineBytes = reader.size("max_line_bytes", default: format.maxLineBytes)
        if format.maxLineBytes < 64 {
            reader.error("max_line_bytes", "must be at least 64 bytes, got \(format.maxLineBytes)")
            format.maxLineBytes = 64
        }
        format.lineTooLong = LokiFormat.LineTooLong(rawValue: reader.choice("line_too_long", ["truncate", "drop"], default: "truncate"))
            ?? .truncate
    }

    /// Headers of every request: the encoding's, the tenant's.
    var protocolHeaders: [(String, String)] {
        var headers = [("User-Agent", "pipectl/0.1")]
        switch format.compression {
        case .snappy: headers.append(("Content-Type", "application/x-protobuf"))
        case .gzip: headers += [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        case .none: headers.append(("Content-Type", "application/json"))
        }
        if let tenant { headers.append(("X-Scope-OrgID", tenant)) }
        return headers
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let disk = try DeliveryDiskBuffer.open(context, name: "loki(\(context.id))")
        return .output(LokiOutput(id: context.id, config: self, tls: try http.tls?.makeConfiguration(),
                                  deadLetter: DeliveryDeadLetter(dataDirectory: context.dataDirectory, output: context.id,
                                                                 maxSize: delivery.deadLetterMaxSize),
                                  disk: disk))
    }

    /// `url` with `/loki/api/v1/push` when it has no path of its own.
    static func pushURL(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.path.isEmpty || components.path == "/" else { return url }
        components.path = "/loki/api/v1/push"
        return components.string ?? url
    }

    /// The `labels:` mapping: names checked, templates parsed, sorted by name.
    private static func labels(_ reader: ConfigReader) -> [LokiLabel] {
        // The pairs in file order, and a reader of the mapping to report at each label's value.
        guard let pairs = reader.stringMap("labels"), let map = reader.child("labels") else {
            reader.warning(nil, "no labels: every event goes to the one stream {agent=\"pipectl\"}")
            return []
        }
        var labels: [LokiLabel] = []
        for (name, text) in pairs {
            guard PrometheusName.isValidLabelName(name), !name.hasPrefix("__") else {
                map.error(name, "'\(name)' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*)")
                continue
            }
            let (template, problem) = FieldTemplate.parse(text)
            if let problem { map.error(name, "label '\(name)': \(problem)") }
            guard let template else { continue }
            for field in template.fieldNames where highCardinalityFields.contains(field.string) {
                map.warning(name, "label '\(name)' reads '\(field)', which changes with nearly every event: "
                                + "each value makes a new Loki stream (keep it in the line instead)")
            }
            labels.append(LokiLabel(name: Array(name.utf8), template: template))
        }
        if labels.count > maxLabelNames {
            reader.warning("labels", "\(labels.count) labels: Loki refuses streams with more than \(maxLabelNames) by default")
        }
        return labels.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    /// Loki's tenant ID rules (`tenant.ValidTenantID`).
    static func isValidTenant(_ text: String) -> Bool {
        let allowed = Set("!-_.*'()".utf8)
        return (1...150).contains(text.utf8.count) && text != "." && text != ".."
            && text.utf8.allSatisfy { PrometheusName.isAlphanumeric($0) || allowed.contains($0) }
    }
}
