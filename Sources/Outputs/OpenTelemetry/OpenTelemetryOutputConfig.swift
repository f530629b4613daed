import Codecs
import Foundation
import Pipeline

/// `opentelemetry`: sends logs, metrics and spans to an OTLP/HTTP receiver (the OpenTelemetry
/// Collector, Grafana Alloy, Jaeger, Tempo, Prometheus, Loki, …) as binary protobuf,
/// `POST <endpoint>/v1/logs`, `/v1/metrics` and `/v1/traces` (OTLP specification 1.x,
/// "OTLP/HTTP").
///
/// - endpoint (url): the receiver's base URL, e.g. `http://127.0.0.1:4318`; each signal's path
///   (`/v1/logs`, `/v1/metrics`, `/v1/traces`) is appended to its path, as
///   `OTEL_EXPORTER_OTLP_ENDPOINT` does (`http://gw/otlp` sends to `http://gw/otlp/v1/logs`).
///   Required unless all three URLs below are given.
/// - logs_url, metrics_url, traces_url (url): one signal's full URL, used as given, over `endpoint`
///   (as `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` and the others).
/// - compression (`gzip` | `none`, default gzip): the body's `Content-Encoding`.
/// - headers (map): extra request headers (an API key); not `Content-Type`, `Content-Encoding`
///   or `User-Agent`.
/// - auth (`{bearer_token}` or `{username, password}`), tls (`ca`, `cert`, `key`,
///   `server_name`, `verify`): as every HTTP output.
/// - batch.max_events (int, default 8192): log records, data points or spans per request
///   (the Collector's batch size); a received span batch is never cut, so it may go alone over this.
/// - batch.max_bytes (size, default 4MiB, at most 20MiB: the Collector's default
///   `max_request_body_size`): uncompressed protobuf per request; a larger request is split.
/// - batch.timeout (duration, default 1s): send a partial batch this long after its first event.
/// - concurrency (int, default 2): requests in flight, all signals together. Log records are
///   spread over the lanes by resource and data points by series, so each one's order holds.
/// - request_timeout (duration, default 30s), retry.initial_backoff, retry.max_backoff,
///   retry.max_duration, dead_letter.max_size: as every HTTP output.
/// - buffer (mapping): the inbox, handled by the pipeline core; with `type: disk` also
///   `max_size` (size, default 256MiB), `fsync` (`always|interval`, default interval = 1s) and
///   `when_full` (`block|drop_newest`): the encoded, compressed requests of every signal are
///   kept in `data_dir/buffers/<id>/` until delivered, and replayed after a restart
///   (`OpenTelemetryOutput+DiskBuffer`, record format in `OpenTelemetryRecord`).
///
/// Each signal has its own requests; the mapping of events to OTLP is in
/// `OpenTelemetryLogRecord` (logs: the inverse of the OTLP input's), `OpenTelemetryMetricPoint`
/// (metrics: counters as monotonic cumulative sums, the rest as gauges, histograms and
/// summaries as their component samples) and `OpenTelemetrySpanPayload` (spans: passed on
/// byte for byte). Answers follow the specification (`OpenTelemetryProtocol`): 429, 502, 503
/// and 504 are retried honouring `Retry-After`, a 413 splits the request, any other failure is
/// never retried — a 500 included — and goes to `data_dir/dead_letter/<id>.ndjson`, counted
/// as `dropped{reason="rejected"}`, as are the items a `partial_success` rejects.
public struct OpenTelemetryOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "opentelemetry", role: .output, accepts: .any, produces: .none,
                                                    supportsDiskBuffer: true) {
        OpenTelemetryOutputConfig(reader: $0)
    }

    /// The Collector's OTLP/HTTP receiver: `confighttp` `max_request_body_size` default.
    static let receiverLimit = 20 * 1024 * 1024

    static let defaults = DeliveryOptions.Defaults(
        batch: DeliveryBatchLimits(maxEvents: 8192, maxBytes: 4 * 1024 * 1024, timeout: .seconds(1)),
        maxBytesLimit: receiverLimit,
        maxBytesReason: "the OpenTelemetry Collector refuses OTLP/HTTP bodies over 20MiB by default",
        concurrency: 2)

    /// Headers the output sets itself (lower case), refused in `headers:`.
    static let reservedHeaders = ["content-type", "content-encoding", "user-agent"]

    /// `url`, `auth`, `headers`, `tls`; `url` is set per signal (`http(for:)`).
    let http: DeliveryHTTPOptions
    let delivery: DeliveryOptions
    let compression: OpenTelemetryCompression
    /// Each signal's URL.
    let urls: [OTLPSignal: String]

    init(reader: ConfigReader) {
        http = DeliveryHTTPOptions(reader: reader, reserved: Self.reservedHeaders, urlKey: nil)
        delivery = DeliveryOptions(reader: reader, defaults: Self.defaults)
        compression = OpenTelemetryCompression(rawValue: reader.choice("compression", ["gzip", "none"], default: "gzip")) ?? .gzip
        let endpoint = DeliveryHTTPOptions.readURL(reader, "endpoint", required: false)
        var urls: [OTLPSignal: String] = [:]
        for signal in OTLPSignal.allCases {
            urls[signal] = DeliveryHTTPOptions.readURL(reader, "\(signal.rawValue)_url", required: false)
                ?? endpoint.map { Self.signalURL($0, signal) }
        }
        let missing = OTLPSignal.allCases.filter { urls[$0] == nil && !reader.has("\($0.rawValue)_url") }
        if endpoint == nil, !reader.has("endpoint"), !missing.isEmpty {
            reader.error(nil, "missing required option 'endpoint' (or \(missing.map { "\($0.rawValue)_url" }.joined(separator: ", ")))")
        }
        self.urls = urls
    }

    /// Headers of every request.
    var protocolHeaders: [(String, String)] {
        var headers = [("Content-Type", "application/x-protobuf"), ("User-Agent", "pipectl/0.1")]
        if compression == .gzip { headers.append(("Content-Encoding", "gzip")) }
        return headers
    }

    /// The HTTP options of `signal`'s requests.
    func http(for signal: OTLPSignal) -> DeliveryHTTPOptions {
        var options = http
        options.url = urls[signal] ?? ""
        return options
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let disk = try DeliveryDiskBuffer.open(context, name: "opentelemetry(\(context.id))")
        return .output(OpenTelemetryOutput(id: context.id, config: self, tls: try http.tls?.makeConfiguration(),
                                           deadLetter: DeliveryDeadLetter(dataDirectory: context.dataDirectory, output: context.id,
                                                                          maxSize: delivery.deadLetterMaxSize),
                                           disk: disk))
    }

    /// `base` with `signal`'s path appended to its path (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    static func signalURL(_ base: String, _ signal: OTLPSignal) -> String {
        guard var components = URLComponents(string: base) else { return base + signal.path }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        components.path = path + signal.path
        return components.string ?? base + signal.path
    }
}
