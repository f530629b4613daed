import Codecs
import Pipeline

/// `span_metrics`: RED metrics from spans (rate, errors, duration), as Tempo's metrics
/// generator and the collector's spanmetrics connector make them, with Tempo's names so
/// their dashboards work as they are.
///
///     inputs: [otel.traces]
///     dimensions: [http.request.method, deployment.environment]
///     buckets: [0.005, 0.05, 0.5, 5]
///
/// Every span counts in `<namespace>_calls_total` and `<namespace>_latency` (a histogram in
/// seconds: `_bucket{le}`, `_sum`, `_count`), by `service` (the resource's `service.name`),
/// `span_name`, `span_kind` (`SPAN_KIND_SERVER`, …) and `status_code` (`STATUS_CODE_OK`,
/// `STATUS_CODE_ERROR`, `STATUS_CODE_UNSET`), plus one label per dimension. Values are
/// cumulative from the stage's start and emitted every `flush_interval` on the port
/// `metrics` (`inputs: [red.metrics]`); the spans pass on unchanged on the default port.
///
/// - dimensions (list of attribute keys, default none): read from the span's attributes, else
///   its resource's; the label name is the key made a Prometheus name (`http.method` →
///   `http_method`). A span without the attribute gets no such label.
/// - buckets (list of seconds, default Tempo's 0.002 … 16.384, doubling).
/// - namespace (string, default `traces_spanmetrics`): the metric name prefix.
/// - flush_interval (duration, default 15s, at least 1s).
/// - max_series (integer, default 10000): distinct label sets kept. Spans of a new label set
///   over it count in the one series `{cardinality_overflow="true"}` instead, counted as
///   `errors{kind="series_overflow"}` and logged, so a high-cardinality dimension cannot grow
///   memory or the metrics store without bound.
/// - series_expiry (duration, default 15m): a series no span updated for this long is
///   forgotten (and its slot freed for a new one).
public struct SpanMetricsTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "span_metrics", role: .transform, accepts: .span,
                                                    produces: .fixed(.span), portProduces: ["metrics": .fixed(.metric)]) {
        SpanMetricsTransformConfig(reader: $0)
    }

    /// Tempo's default latency buckets (seconds).
    static let defaultBuckets: [Double] = (1...14).map { 0.001 * Double(1 << $0) }

    let dimensions: [String]
    let buckets: [Double]
    let namespace: String
    let flushInterval: Duration
    let maxSeries: Int
    let seriesExpiry: Duration

    init(reader: ConfigReader) {
        var dimensions: [String] = []
        for (n, key) in (reader.stringList("dimensions") ?? []).enumerated() {
            let label = Self.labelName(key)
            if key.isEmpty {
                reader.error("dimensions", item: n, "an attribute key cannot be empty")
            } else if SpanMetricsSeries.fixedLabels.contains(label) || dimensions.map(Self.labelName).contains(label) {
                reader.error("dimensions", item: n, "'\(key)' would be label '\(label)', which is already used")
            } else {
                dimensions.append(key)
            }
        }
        self.dimensions = dimensions
        buckets = reader.buckets() ?? Self.defaultBuckets
        namespace = reader.string("namespace") ?? "traces_spanmetrics"
        if !PrometheusName.isValidMetricName(namespace) {
            reader.error("namespace", "'\(namespace)' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
        }
        flushInterval = reader.duration("flush_interval", default: .seconds(15), minimum: .seconds(1))
        maxSeries = reader.int("max_series", default: 10_000, range: 1...10_000_000)
        seriesExpiry = reader.duration("series_expiry", default: .seconds(900), minimum: .seconds(1))
    }

    /// The label a dimension key becomes, as OTLP attributes become labels (`http.method` → `http_method`).
    static func labelName(_ key: String) -> String {
        var out: [UInt8] = []
        var key = key
        key.withUTF8 { OTLPMetricNaming.appendLabelName(UnsafeRawBufferPointer($0), to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The port the metrics go out on (port 1).
    public var ports: [String] { ["metrics"] }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(makeTransform(metrics: context.metrics, log: RateLimitedLogger(logger: context.logger)))
    }

    /// The stage, with a clock (Unix ns) for tests.
    func makeTransform(metrics: ComponentMetrics, log: RateLimitedLogger,
                       clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }) -> SpanMetricsTransform {
        SpanMetricsTransform(config: self, overflowed: metrics.errorCounter("series_overflow"),
                             malformed: metrics.errorCounter("malformed_spans"), log: log, clock: clock)
    }
}
