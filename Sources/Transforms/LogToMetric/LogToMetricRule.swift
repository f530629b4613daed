import Pipeline

/// One entry of `log_to_metric`'s `metrics:` list, validated.
struct LogToMetricRule: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case counter, gauge, histogram
    }

    let kind: Kind
    let name: String
    /// Where the value comes from; nil for a counter of events.
    let field: FieldName?
    /// Labels sorted by name, each with the template of its value.
    let labels: [(name: String, template: FieldTemplate)]
    /// Histogram upper bounds, `+Inf` implied.
    let buckets: [Double]
    let when: FilterCondition?

    /// Prometheus client libraries' default buckets, in seconds.
    static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
}
