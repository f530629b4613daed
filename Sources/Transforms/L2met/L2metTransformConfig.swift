import Codecs
import Logging
import Pipeline

/// `l2met`: turns l2met-convention log lines, Heroku router lines and logplex L10 notices
/// into Prometheus metrics, aggregated per window (see PROTOCOLS.md, "l2met semantics").
///
///     measure#db.latency=12ms count#signup=1 sample#memory_rss=21.22MB unique#user=bob source=web.1
///
/// - interval (duration, default 60s): window length. Each value goes into the window of its
///   event's own timestamp; a window is emitted once the wall clock passes its end (at most
///   a second late), timestamped at its end. A late value, whose window was already emitted,
///   is counted in the oldest open window: its count and sum reach the cumulative totals,
///   its quantile/min/max/last/distinct contribution lands in that window. At shutdown,
///   windows already past their end keep that stamp; the partial window is emitted at once,
///   timestamped at the flush time (to the millisecond), never its end in the future, so it
///   is queryable at once and a restart within the window writes a later timestamp instead of
///   the same one twice. Values stamped ahead of the clock join the partial window. Only a
///   flush within the first millisecond after a tick emitted the window before it (possible
///   with `allowed_lateness: 0s`) is stamped that millisecond later, so no two windows of a
///   series share a timestamp.
/// - units (normalize|keep, default normalize): `normalize` converts `ns`/`us`/`ms`/`s` to
///   seconds (suffix `_seconds`) and `B`/`bytes`/`kB`/`KB`/`MB`/`GB` to bytes, 1024-based as
///   Heroku reports memory (suffix `_bytes`); any other unit becomes a suffix (`_pages`).
///   `keep` keeps values as sent and the unit as written as the suffix (`_ms`).
/// - prefix (string, default none): prepended verbatim to every name (`heroku_`).
/// - labels (map, default none): static labels on every series. A label taken from the event
///   (`app`, `dyno`, `source`, `status_class`) wins over a static one of the same name.
/// - buckets (list of numbers, default none): measures become cumulative histograms with
///   these upper bounds (in the normalised unit: seconds, bytes) instead of summaries.
/// - quantiles (list of numbers in 0…1, default [0.5, 0.95, 0.99]): summary quantiles, by
///   nearest rank per window as l2met computes them.
/// - max_series (integer, default 100000): distinct series kept; a value of a new series over
///   the limit is dropped and counted (drop counter `max_series`).
/// - max_samples (integer, default 10000): measure values kept per series and window for
///   quantiles; beyond it a uniform reservoir sample (count, sum, min, max stay exact). Also
///   caps the distinct values a `unique#` window counts.
/// - allowed_lateness (duration, default 2s): a window is emitted once the wall clock passes
///   its end plus this grace, so lines logplex delivers a little late still count in their
///   own window; later ones follow the late-value rule of `interval`.
/// - series_ttl (duration, default 1h): a series without values for this long is forgotten
///   (its cumulative `_count`/`_sum`/`_total` restart, as after a process restart).
///
/// Values: empty is 1; a leading `-` makes a pair no number and it is skipped (as in l2met),
/// except for `sample#`, which accepts negative gauges. Labels: `app` (the drain's app),
/// `dyno` (the syslog PROCID, `web.1`, never the per-boot `dyno=heroku.NNN.uuid` of runtime
/// metrics), `source` (`source=`), and for router lines `dyno` and `status_class` from the line.
public struct L2metTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "l2met", role: .transform, accepts: .log,
                                                    produces: .fixed(.metric)) { L2metTransformConfig(reader: $0) }

    let interval: Duration
    let keepUnits: Bool
    let prefix: String
    let labels: [(String, String)]
    let buckets: [Double]
    let quantiles: [Double]
    let maxSeries: Int
    let maxSamples: Int
    let seriesTTL: Duration
    let allowedLateness: Duration

    init(reader: ConfigReader) {
        interval = reader.duration("interval", default: .seconds(60), minimum: .seconds(1))
        keepUnits = reader.choice("units", ["normalize", "keep"], default: "normalize") == "keep"
        let prefix = reader.string("prefix") ?? ""
        if !PrometheusName.isValidMetricName(prefix, allowEmpty: true) {
            reader.error("prefix", "expected a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*, got '\(prefix)'")
        }
        self.prefix = prefix
        labels = Self.staticLabels(reader)
        buckets = reader.buckets() ?? []
        var quantiles = reader.numberList("quantiles") ?? [0.5, 0.95, 0.99]
        if let bad = quantiles.first(where: { !(0...1).contains($0) }) {
            reader.error("quantiles", "quantiles must be between 0 and 1, got \(bad.labelValue)")
            quantiles = quantiles.filter { (0...1).contains($0) }
        }
        self.quantiles = quantiles
        maxSeries = reader.int("max_series", default: 100_000, range: 1...100_000_000)
        maxSamples = reader.int("max_samples", default: 10_000, range: 1...10_000_000)
        seriesTTL = reader.duration("series_ttl", default: .seconds(3600), minimum: .seconds(1))
        allowedLateness = reader.duration("allowed_lateness", default: .seconds(2))
    }

    /// Reads `labels:`, reporting names that are no Prometheus label names.
    static func staticLabels(_ reader: ConfigReader) -> [(String, String)] {
        var labels: [(String, String)] = []
        for (name, value) in reader.stringMap("labels") ?? [] {
            if !PrometheusName.isValidLabelName(name) || name.hasPrefix("__") || name == "le" || name == "quantile" {
                reader.error("labels", "'\(name)' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*, le or quantile)")
            } else if !value.isEmpty {
                labels.append((name, value))
            }
        }
        return labels
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(makeTransform(metrics: context.metrics, logger: context.logger))
    }

    /// The stage, with what it needs from the stage context and a clock (Unix ns) for tests.
    func makeTransform(metrics: ComponentMetrics, logger: Logger,
                       clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }) -> L2metTransform {
        L2metTransform(config: self, problems: MetricTransformProblems(metrics: metrics, log: RateLimitedLogger(logger: logger),
                                                             maxSeries: maxSeries),
                       clock: clock)
    }
}
