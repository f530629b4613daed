import Pipeline

/// `elasticsearch`: sends log events to Elasticsearch (or OpenSearch) with the `_bulk` API.
///
/// - url (url, required): the cluster's base URL, e.g. `http://127.0.0.1:9200` (a path
///   prefix behind a proxy is kept); requests go to `<url>/_bulk`, with
///   `filter_path=errors,items.*.status,items.*.error` so answers carry only what is read.
/// - mode (`index` | `data_stream`, default index): `index` writes `index` actions to
///   `index`; `data_stream` writes `create` actions to the data stream `data_stream`.
/// - index (string, default `pipectl-%Y.%m.%d`, mode index): the index of each event, with
///   date codes from the event's timestamp in UTC: `%Y` `%y` `%m` `%d` `%H` `%j` `%%`
///   (`ElasticsearchIndexPattern`).
/// - data_stream (string, default `logs-pipectl-default`, mode data_stream): the stream's
///   name; Elasticsearch's built-in `logs-*-*` template makes such names data streams.
/// - pipeline (string): the ingest pipeline, as the `pipeline` query parameter.
/// - document_id (`hash` | `auto`, default hash): `hash` derives each `_id` from the event
///   (`ElasticsearchEncoder`), so a retry never indexes twice (identical events, same
///   timestamp, message and fields, become one document); `auto` lets Elasticsearch make
///   ids (a little faster to index, but a request sent again after a lost answer duplicates).
/// - compression (`gzip` | `none`, default gzip): `Content-Encoding: gzip`, level 1.
/// - auth (mapping): `{user, password}` (basic), `{api_key}` (the key's `encoded` form, sent
///   as `Authorization: ApiKey <key>`) or `{bearer_token}` (service-account tokens).
/// - headers (map): extra request headers; `Content-Type`, `Content-Encoding` and
///   `User-Agent` are the output's.
/// - tls (mapping): `ca`, `cert`, `key`, `server_name`, `verify` (default true).
/// - batch.max_events (int, default 1000): documents per request.
/// - batch.max_bytes (size, default 10MiB, at most 100MiB): uncompressed NDJSON per request;
///   Elasticsearch's `http.max_content_length` is 100MB by default (a 413 splits a request).
/// - batch.timeout (duration, default 1s): send a partial batch this long after its first event.
/// - concurrency (int, default 2): requests in flight; each input batch goes to one lane.
/// - request_timeout (duration, default 30s), retry, dead_letter: as every network output.
/// - buffer (mapping): the inbox; `type: disk` keeps events in `data_dir/buffers/<id>/` until
///   delivered or dead-lettered, replayed after a restart (`DeliveryInbox.consumeLogs`).
///
/// Answers are read per item (`ElasticsearchProtocol`): items answered 429 or 5xx are sent
/// again, 409 on `create` counts as delivered, other refused items go to
/// `data_dir/dead_letter/<id>.ndjson` with the item's error; counters count items.
public struct ElasticsearchOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "elasticsearch", role: .output, accepts: .log, produces: .none,
                                                    supportsDiskBuffer: true) {
        ElasticsearchOutputConfig(reader: $0)
    }

    /// `index` actions into `index`, or `create` actions into `data_stream`.
    enum Mode: String, Sendable { case index, dataStream = "data_stream" }

    /// Elasticsearch's default `http.max_content_length`.
    static let receiverLimit = 100 * 1024 * 1024

    static let defaults = DeliveryOptions.Defaults(
        batch: DeliveryBatchLimits(maxEvents: 1000, maxBytes: 10 * 1024 * 1024, timeout: .seconds(1)),
        maxBytesLimit: receiverLimit, maxBytesReason: "Elasticsearch's http.max_content_length is 100MB by default",
        concurrency: 2)

    static let defaultIndex = "pipectl-%Y.%m.%d"
    static let defaultDataStream = "logs-pipectl-default"
    static let filterPath = "errors,items.*.status,items.*.error"

    /// The options as given: `url` is the base URL.
    let http: DeliveryHTTPOptions
    let delivery: DeliveryOptions
    let mode: Mode
    let target: ElasticsearchIndexPattern
    let pipeline: String?
    let documentIDs: Bool
    let gzip: Bool

    init(reader: ConfigReader) {
        http = DeliveryHTTPOptions(reader: reader, reserved: ["content-type", "content-encoding", "user-agent"],
                                   authKeys: .init(user: "user", apiKey: true))
        if http.url.contains("?") || http.url.contains("#") {
            reader.error("url", "expected the cluster's base URL without a query; pipectl adds /_bulk and its parameters")
        } else if http.url.hasSuffix("/_bulk") || http.url.hasSuffix("/_bulk/") {
            reader.error("url", "expected the cluster's base URL; pipectl adds /_bulk itself")
        }
        delivery = DeliveryOptions(reader: reader, defaults: Self.defaults)
        mode = Mode(rawValue: reader.choice("mode", ["index", "data_stream"], default: "index")) ?? .index
        target = Self.target(reader, mode: mode)
        pipeline = reader.string("pipeline")
        if pipeline?.isEmpty == true { reader.error("pipeline", "must not be empty") }
        documentIDs = reader.choice("document_id", ["hash", "auto"], default: "hash") == "hash"
        gzip = reader.choice("compression", ["gzip", "none"], default: "gzip") == "gzip"
    }

    /// The index pattern (mode index) or the data stream's name (mode data_stream).
    private static func target(_ reader: ConfigReader, mode: Mode) -> ElasticsearchIndexPattern {
        let key = mode == .index ? "index" : "data_stream"
        let other = mode == .index ? "data_stream" : "index"
        if reader.has(other) {
            reader.error(other, mode == .index ? "data_stream needs mode: data_stream (then index is not used)"
                                               : "mode data_stream writes to data_stream; index is for mode: index")
        }
        let text = reader.string(key) ?? (mode == .index ? defaultIndex : defaultDataStream)
        switch ElasticsearchIndexPattern.parse(text) {
        case .success(let pattern):
            if mode == .dataStream, !pattern.isFixed {
                reader.error(key, "a data stream rolls over by itself; its name takes no date codes")
            }
            return pattern
        case .failure(let invalid):
            reader.error(key, "'\(text)' \(invalid.reason)")
            return ElasticsearchIndexPattern(parts: [.literal(Array("pipectl".utf8))])
        }
    }

    /// The HTTP options of the requests: `<url>/_bulk?filter_path=…[&pipeline=…]`.
    var bulkHTTP: DeliveryHTTPOptions {
        var options = http
        var base = http.url
        while base.hasSuffix("/") { base.removeLast() }
        options.url = base + "/_bulk?filter_path=" + Self.filterPath
        if let pipeline { options.url += "&pipeline=" + Self.percentEncoded(pipeline) }
        return options
    }

    var protocolHeaders: [(String, String)] {
        [("Content-Type", "application/x-ndjson"), ("User-Agent", "pipectl/0.1")]
            + (gzip ? [("Content-Encoding", "gzip")] : [])
    }

    var encoder: ElasticsearchEncoder {
        ElasticsearchEncoder(action: mode == .index ? .index : .create, target: target, documentIDs: documentIDs)
    }

    /// Bytes of an answer kept: about 1KiB per item (an error object with its reason), at least 1MiB.
    var maxResponseBody: Int {
        min(64 * 1024 * 1024, max(1024 * 1024, delivery.batch.maxEvents * 1024))
    }

    /// RFC 3986 unreserved bytes as they are, the rest as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let disk = try DeliveryDiskBuffer.open(context, name: "elasticsearch(\(context.id))")
        return .output(ElasticsearchOutput(id: context.id, config: self, tls: try http.tls?.makeConfiguration(),
                                           deadLetter: DeliveryDeadLetter(dataDirectory: context.dataDirectory, output: context.id,
                                                                          maxSize: delivery.deadLetterMaxSize),
                                           disk: disk))
    }
}
