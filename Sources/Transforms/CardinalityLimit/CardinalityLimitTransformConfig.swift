import Codecs
import Pipeline

/// `cardinality_limit`: caps the distinct series that pass, globally or per `by` group.
///
///     max_series: 10000
///     by: [job]
///     window: 1h
///     action: drop
///
/// A series is a metric name plus its label set. One seen in the current or the previous
/// `window` counts towards its group's cap; samples of counted series always pass. A new
/// series over the cap is refused: its samples are dropped (counted as
/// `dropped{reason="cardinality"}`) or, with `action: tag`, renamed into one overflow series
/// per metric name and group.
///
/// - max_series (integer, required): distinct series per group (per window and the one before).
/// - window (duration, default 1h, at least 1s): a series not seen for a whole window (one to
///   two windows after its last sample) is forgotten, making room for new ones.
/// - by (list of label names, default none): one cap per combination of these labels' values
///   (`by: [job]`: `max_series` per job); a missing label counts as empty.
/// - max_groups (integer, default 1000, `by` only): groups tracked; series of further groups
///   share the one cap of group `__overflow__`.
/// - action (drop|tag, default drop): what happens to a refused series' samples. `tag` keeps
///   them with all labels replaced by `cardinality_overflow="true"` plus the `by` labels (none
///   in `__overflow__`), so the metric survives without new series; values pass unchanged.
///
/// Memory: one 16-byte slot per tracked series (admitted, or refused and remembered: at most
/// `2 × max_series` per group) in a table 3/8 to 3/4 full, so 21–43 bytes per series.
public struct CardinalityLimitTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "cardinality_limit", role: .transform, accepts: .metric,
                                                    produces: .fixed(.metric)) { CardinalityLimitTransformConfig(reader: $0) }

    let maxSeries: Int
    let window: Duration
    let by: [String]
    let maxGroups: Int
    let action: CardinalityLimitTransform.Action

    init(reader: ConfigReader) {
        if !reader.has("max_series") { reader.error(nil, "missing required option 'max_series'") }
        maxSeries = reader.int("max_series", default: 1, range: 1...100_000_000)
        window = reader.duration("window", default: .seconds(3600), minimum: .seconds(1))
        by = Self.labels(reader)
        if reader.has("max_groups"), !reader.has("by") {
            reader.error("max_groups", "max_groups applies with 'by' only")
        }
        maxGroups = reader.int("max_groups", default: 1000, range: 1...1_000_000)
        let allowed = CardinalityLimitTransform.Action.allCases.map(\.rawValue)
        action = CardinalityLimitTransform.Action(rawValue: reader.choice("action", allowed, default: "drop")) ?? .drop
    }

    /// The `by` label names, sorted by bytes; each bad or repeated one reported.
    private static func labels(_ reader: ConfigReader) -> [String] {
        var names: [String] = []
        let overflow = CardinalityLimitTransform.overflowLabel
        for (n, name) in (reader.stringList("by") ?? []).enumerated() {
            if !PrometheusName.isValidLabelName(name) || name.hasPrefix("__") || name == overflow {
                reader.error("by", item: n, "'\(name)' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __* or \(overflow))")
            } else if names.contains(name) {
                reader.error("by", item: n, "label '\(name)' is listed twice")
            } else {
                names.append(name)
            }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(makeTransform(metrics: context.metrics))
    }

    /// The stage, its growth report shown as the component's `state`, and a clock (Unix ns) for tests.
    func makeTransform(metrics: ComponentMetrics, seed: UInt64 = .random(in: .min ... .max),
                       clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }) -> CardinalityLimitTransform {
        let report = CardinalityGrowthReport()
        metrics.state.withLockedValue { $0 = { report.write(into: &$0) } }
        return CardinalityLimitTransform(maxSeries: maxSeries, window: window, action: action, by: by.map { Array($0.utf8) },
                                         maxGroups: maxGroups, seed: seed, dropped: metrics.dropCounter("cardinality"),
                                         report: report, clock: clock)
    }
}
