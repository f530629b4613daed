/// The wire format a Prometheus target answered with (from its `Content-Type`).
public enum PrometheusTextFormat: Sendable {
    /// `text/plain; version=0.0.4`: timestamps are integer milliseconds; no `# EOF`.
    case prometheus004
    /// `application/openmetrics-text; version=1.0.0`: timestamps are float seconds; `# EOF` ends the body.
    case openMetrics
}

/// A metric family's type from its `# TYPE` line.
public enum PrometheusMetricType: UInt8, Sendable, CaseIterable {
    case counter, gauge, histogram, summary, untyped
    /// OpenMetrics only.
    case gaugeHistogram, stateset, info, unknown

    /// Parses the type word of a `# TYPE` line; OpenMetrics types only in OpenMetrics bodies.
    init?(_ word: UnsafeRawBufferPointer, format: PrometheusTextFormat) {
        guard let type = Self.allCases.first(where: { word.elementsEqual($0.name.utf8) }) else { return nil }
        let openMetricsOnly = type.rawValue >= Self.gaugeHistogram.rawValue
        let prometheusOnly = type == .untyped
        if format == .prometheus004 ? openMetricsOnly : prometheusOnly { return nil }
        self = type
    }

    /// The word in `# TYPE` lines.
    public var name: String {
        switch self {
        case .counter: "counter"
        case .gauge: "gauge"
        case .histogram: "histogram"
        case .summary: "summary"
        case .untyped: "untyped"
        case .gaugeHistogram: "gaugehistogram"
        case .stateset: "stateset"
        case .info: "info"
        case .unknown: "unknown"
        }
    }

    /// Suffixes a sample of this family may add to the family name (OpenMetrics §4.5 and 0.0.4).
    var sampleSuffixes: [StaticString] {
        switch self {
        case .counter: Self.counterSuffixes
        case .histogram: Self.histogramSuffixes
        case .gaugeHistogram: Self.gaugeHistogramSuffixes
        case .summary: Self.summarySuffixes
        case .info: Self.infoSuffixes
        case .gauge, .untyped, .stateset, .unknown: []
        }
    }

    // Static so that looking a sample's type up allocates nothing.
    private static let counterSuffixes: [StaticString] = ["_total", "_created"]
    private static let histogramSuffixes: [StaticString] = ["_bucket", "_sum", "_count", "_created"]
    private static let gaugeHistogramSuffixes: [StaticString] = ["_bucket", "_gsum", "_gcount"]
    private static let summarySuffixes: [StaticString] = ["_sum", "_count", "_created"]
    private static let infoSuffixes: [StaticString] = ["_info"]
}

/// One parsed sample. Its bytes are valid only during the callback that receives it.
public struct PrometheusSample {
    /// The sample name as exposed (with any `_total`, `_bucket`, `_created` suffix).
    public let name: UnsafeRawBufferPointer
    /// The value; NaN, ±Inf included.
    public let value: Double
    /// The exposed timestamp in Unix milliseconds, if any.
    public let timestamp: Int64?
    /// The type of the family the sample belongs to (`untyped`/`unknown` without a matching `# TYPE`).
    public let type: PrometheusMetricType
    let lineBytes: UnsafeRawBufferPointer
    let scratch: UnsafeRawBufferPointer
    let labelRanges: UnsafeBufferPointer<PrometheusTextParser.LabelRange>

    /// Number of labels, in exposed order.
    public var labelCount: Int { labelRanges.count }

    /// The name of label `index`.
    public func labelName(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: lineBytes[labelRanges[index].name])
    }

    /// The unescaped value of label `index`.
    public func labelValue(_ index: Int) -> UnsafeRawBufferPointer {
        let range = labelRanges[index]
        return UnsafeRawBufferPointer(rebasing: range.unescaped ? scratch[range.value] : lineBytes[range.value])
    }

    /// The hash of the series (`ByteHash.seriesName`, plus `ByteHash.seriesLabel` of each
    /// label with a value): the same whatever order the labels are exposed in.
    package var seriesHash: UInt64 {
        var hash = ByteHash.seriesName(name)
        for i in 0..<labelCount {
            let value = labelValue(i)
            if value.count > 0 { hash &+= ByteHash.seriesLabel(name: labelName(i), value: value) }
        }
        return hash
    }
}

/// What the parser reports.
public enum PrometheusTextEvent {
    /// A complete sample.
    case sample(PrometheusSample)
    /// A line that could not be parsed, skipped; parsing goes on with the next line.
    case malformed(line: Int, reason: String)
}
