import NIOConcurrencyHelpers

/// Every component's identity, counters and inbound queue: what the admin API and the
/// `internal_metrics` input report.
public final class PipelineTelemetry: Sendable {
    /// One component's entry.
    public struct Entry: Sendable {
        public let id: String
        public let role: ComponentRole
        public let type: String
        public let metrics: ComponentMetrics
        public let inbox: StageInbox?
        public let upstreams: [UpstreamRef]
    }

    private let box = NIOLockedValueBox<[Entry]>([])
    /// Process start, Unix seconds.
    public let startTime: Double

    public init(startTime: Double) { self.startTime = startTime }

    func add(_ entry: Entry) { box.withLockedValue { $0.append(entry) } }

    /// Replaces every entry (a reload: the new file's components, in its order).
    func replace(_ entries: [Entry]) { box.withLockedValue { $0 = entries } }

    /// Every component, in file order.
    public var entries: [Entry] { box.withLockedValue { $0 } }
}
