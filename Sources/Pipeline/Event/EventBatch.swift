/// The two kinds of event that flow through a pipeline.
public enum EventKind: String, Sendable, CaseIterable {
    case log
    case metric
}

/// A set of event kinds, for what a component accepts.
public struct EventKinds: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let log = EventKinds(rawValue: 1)
    public static let metric = EventKinds(rawValue: 2)
    public static let any: EventKinds = [.log, .metric]

    /// The set holding just `kind`.
    public init(_ kind: EventKind) { self = kind == .log ? .log : .metric }

    public var description: String {
        switch self {
        case .log: "logs"
        case .metric: "metrics"
        case .any: "logs and metrics"
        default: "nothing"
        }
    }
}

/// What crosses a queue between two stages: a batch of logs or a batch of metrics.
public enum EventBatch: Sendable {
    case logs(LogBatch)
    case metrics(MetricBatch)

    /// Number of events in the batch.
    public var count: Int {
        switch self {
        case .logs(let b): b.count
        case .metrics(let b): b.count
        }
    }

    /// Bytes the batch holds in its arena.
    public var byteCount: Int {
        switch self {
        case .logs(let b): b.byteCount
        case .metrics(let b): b.byteCount
        }
    }

    /// The kind of the events in the batch.
    public var kind: EventKind {
        switch self {
        case .logs: .log
        case .metrics: .metric
        }
    }
}
