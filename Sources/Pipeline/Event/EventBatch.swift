/// The three kinds of event that flow through a pipeline.
public enum EventKind: String, Sendable, CaseIterable {
    case log
    case metric
    case span
}

/// A set of event kinds, for what a component accepts.
public struct EventKinds: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let log = EventKinds(rawValue: 1)
    public static let metric = EventKinds(rawValue: 2)
    public static let span = EventKinds(rawValue: 4)
    /// Logs and metrics: what most components take (`span` is opted into).
    public static let logsAndMetrics: EventKinds = [.log, .metric]
    public static let any: EventKinds = [.log, .metric, .span]

    /// The set holding just `kind`.
    public init(_ kind: EventKind) {
        switch kind {
        case .log: self = .log
        case .metric: self = .metric
        case .span: self = .span
        }
    }

    public var description: String {
        let names = [(EventKinds.log, "logs"), (.metric, "metrics"), (.span, "spans")]
            .filter { contains($0.0) }.map(\.1)
        switch names.count {
        case 0: return "nothing"
        case 1: return names[0]
        default: return names.dropLast().joined(separator: ", ") + " and " + names.last!
        }
    }
}

/// What crosses a queue between two stages: a batch of logs, metrics or spans.
public enum EventBatch: Sendable {
    case logs(LogBatch)
    case metrics(MetricBatch)
    case spans(SpanBatch)

    /// Number of events in the batch.
    public var count: Int {
        switch self {
        case .logs(let b): b.count
        case .metrics(let b): b.count
        case .spans(let b): b.count
        }
    }

    /// Bytes the batch holds in its arena.
    public var byteCount: Int {
        switch self {
        case .logs(let b): b.byteCount
        case .metrics(let b): b.byteCount
        case .spans(let b): b.byteCount
        }
    }

    /// The kind of the events in the batch.
    public var kind: EventKind {
        switch self {
        case .logs: .log
        case .metrics: .metric
        case .spans: .span
        }
    }
}

extension EventBatch {
    /// An empty metric batch that shares one storage, left behind by `takeLogs`/`takeMetrics`/`takeSpans`.
    private static let placeholder = EventBatch.metrics(MetricBatch(capacity: 0))

    /// Moves the log batch out, leaving an empty placeholder, so the caller holds the only
    /// reference and mutates it without a copy; nil (nothing moved) for metrics.
    ///
    /// A `switch` over the enum would bind a second reference to the payload while the enum
    /// still holds the first, and the first mutation would copy the whole batch.
    public mutating func takeLogs() -> LogBatch? {
        guard case .logs(let logs) = self else { return nil }
        self = Self.placeholder
        return logs
    }

    /// Moves the metric batch out, leaving an empty placeholder (see `takeLogs`); nil for others.
    public mutating func takeMetrics() -> MetricBatch? {
        guard case .metrics(let metrics) = self else { return nil }
        self = Self.placeholder
        return metrics
    }

    /// Moves the span batch out, leaving an empty placeholder (see `takeLogs`); nil for others.
    public mutating func takeSpans() -> SpanBatch? {
        guard case .spans(let spans) = self else { return nil }
        self = Self.placeholder
        return spans
    }
}
