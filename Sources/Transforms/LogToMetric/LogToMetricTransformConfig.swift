import Codecs
import Logging
import Pipeline

/// `log_to_metric`: turns log events into counters, gauges and histograms, one entry each.
///
///     metrics:
///       - type: counter
///         name: http_requests_total
///         labels: { status: "{{status}}", method: "{{method}}", dyno: "{{dyno}}" }
///         when: { field: procid, equals: router }
///       - type: histogram
///         name: http_request_duration_seconds
///         field: service
///         buckets: [0.01, 0.1, 1, 10]
///
/// Fields are the event's fields (put a `logfmt` transform first to turn `key=value`
/// messages into fields) or `message`.
///
/// - metrics (list, required): the metrics, each a mapping:
///   - type (counter|gauge|histogram, required)
///   - name (string, required): the metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`, used as written.
///   - field (string, default none): the value. Numbers may carry a unit, normalised to base
///     units: `23ms` → 0.023 (`ns`, `us`, `ms`, `s` → seconds), `12.5KB` → 12800 (`B`, `kB`,
///     `KB`, `MB`, `GB` → bytes, 1024-based); other units are ignored (`12pages` → 12).
///     Required for gauges and histograms; a counter without one counts events, with one
///     adds the value (negative values are skipped and counted).
///   - labels (map of label to template, default none): `"{{field}}"` with literal text
///     allowed around; a label that renders empty is left off.
///   - buckets (list of numbers, default 0.005 … 10): histogram upper bounds, increasing.
///   - when (condition, default always): as `filter`'s `condition`.
/// - flush_interval (duration, default 10s, at least 1s): how often series are emitted. Each
///   series touched since the previous flush is emitted once, with its current values; an
///   untouched series is not repeated. 10s is a tenth of the samples per-batch emission sent
///   (a drain posts about every second), yet keeps about six points in a `rate(…[1m])`
///   window and stays finer than the usual 15s–60s dashboard resolution.
/// - max_series (integer, default 100000): distinct series across all metrics; a value of a
///   new series over the limit is dropped and counted (drop counter `max_series`).
/// - series_ttl (duration, default 1h): a series without values for this long is forgotten.
///
/// State is kept per series across batches: counters and histograms are cumulative, a gauge
/// is its last value. A sample is timestamped with the latest event time that touched the
/// series, and at least a millisecond after the series' previous sample, so a late event
/// never writes a sample before or on one already sent. Shutdown emits what is unsent.
public struct LogToMetricTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "log_to_metric", role: .transform, accepts: .log,
                                                    produces: .fixed(.metric)) { LogToMetricTransformConfig(reader: $0) }

    let rules: [LogToMetricRule]
    let flushInterval: Duration
    let maxSeries: Int
    let seriesTTL: Duration

    init(reader: ConfigReader) {
        let entries = reader.childList("metrics", required: true)
        if reader.has("metrics"), entries.isEmpty { reader.error("metrics", "expected at least one metric") }
        var rules: [LogToMetricRule] = []
        var names: [String: Int] = [:]
        for (n, entry) in entries.enumerated() {
            defer { entry.finish() }
            guard let rule = Self.rule(entry) else { continue }
            if let first = names[rule.name] {
                entry.error("name", "metric '\(rule.name)' is already declared by metrics[\(first)]")
                continue
            }
            names[rule.name] = n
            rules.append(rule)
        }
        self.rules = rules
        flushInterval = reader.duration("flush_interval", default: .seconds(10), minimum: .seconds(1))
        maxSeries = reader.int("max_series", default: 100_000, range: 1...100_000_000)
        seriesTTL = reader.duration("series_ttl", default: .seconds(3600), minimum: .seconds(1))
    }

    /// Reads one `metrics:` entry; nil (problems reported) when it cannot be used.
    private static func rule(_ reader: ConfigReader) -> LogToMetricRule? {
        let allowed = LogToMetricRule.Kind.allCases.map(\.rawValue)
        var kind: LogToMetricRule.Kind?
        if reader.has("type") {
            let text = reader.choice("type", allowed, default: "")
            kind = LogToMetricRule.Kind(rawValue: text)
        } else {
            reader.error(nil, "missing required option 'type' (one of \(allowed.joined(separator: ", ")))")
        }
        let name = reader.string("name", required: true)
        if let name, !PrometheusName.isValidMetricName(name) {
            reader.error("name", "expected a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*, got '\(name)'")
        }
        let field = reader.string("field").map(FieldName.init)
        if field == nil, let kind, kind != .counter {
            reader.error(nil, "missing required option 'field' (a \(kind.rawValue) takes its value from a field)")
        }
        var buckets = LogToMetricRule.defaultBuckets
        if reader.has("buckets") {
            if kind == .histogram {
                buckets = reader.buckets() ?? buckets
            } else {
                reader.error("buckets", "buckets apply to histograms only")
            }
        }
        var when: FilterCondition?
        if let c = reader.child("when") {
            when = FilterCondition.decode(c)
            c.finish()
        }
        let labels = Self.labels(reader)
        guard let kind, let name, PrometheusName.isValidMetricName(name), field != nil || kind == .counter else { return nil }
        return LogToMetricRule(kind: kind, name: name, field: field, labels: labels, buckets: buckets, when: when)
    }

    private static func labels(_ reader: ConfigReader) -> [(name: String, template: FieldTemplate)] {
        var labels: [(name: String, template: FieldTemplate)] = []
        for (name, text) in reader.stringMap("labels") ?? [] {
            guard PrometheusName.isValidLabelName(name), !name.hasPrefix("__"), name != "le" else {
                reader.error("labels", "'\(name)' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __* or le)")
                continue
            }
            let (template, problem) = FieldTemplate.parse(text)
            if let problem { reader.error("labels", "label '\(name)': \(problem)") }
            if let template { labels.append((name, template)) }
        }
        return labels.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(makeTransform(metrics: context.metrics, logger: context.logger))
    }

    /// The stage, with what it needs from the stage context and a clock (Unix ns) for tests.
    func makeTransform(metrics: ComponentMetrics, logger: Logger,
                       clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }) -> LogToMetricTransform {
        LogToMetricTransform(rules: rules, flushInterval: flushInterval, maxSeries: maxSeries, ttl: seriesTTL.nanoseconds,
                             problems: MetricTransformProblems(metrics: metrics, log: RateLimitedLogger(logger: logger),
                                                     maxSeries: maxSeries),
                             clock: clock)
    }
}
