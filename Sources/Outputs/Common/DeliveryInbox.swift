import Pipeline

/// An output's batching of the events its inbox hands out: `RemoteWriteShards` (metrics),
/// `SyslogShards` (logs). Flushes by size as events arrive and by time when due.
protocol DeliveryInboxShards {
    /// What the output carries: `LogBatch` or `MetricBatch`.
    associatedtype Events
    /// When the oldest pending events are due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { get }
    /// The events of `batch` this output carries (moved out), or nil for the other kind.
    static func take(_ batch: inout EventBatch) -> Events?
    mutating func add(_ events: Events, now: ContinuousClock.Instant) async
    mutating func flushDue(now: ContinuousClock.Instant) async
    mutating func flushAll() async
}

/// The inbox loop network outputs share: events into shards, due shards flushed on time,
/// everything flushed when the inbox closes. A batch's acknowledgements are released once its
/// events are in a shard (the requests made of them keep their own holds where they need
/// them, like a disk buffer until stored); events of the kind the output does not carry are
/// counted `dropped{reason="unsupported"}` and logged.
enum DeliveryInbox {
    static func consume<Shards: DeliveryInboxShards>(_ context: OutputContext, into shards: inout Shards, name: String,
                                                     carries kind: String, log: RateLimitedLogger) async {
        await consume(context.inbox, metrics: context.metrics, countsReceived: true, into: &shards, name: name,
                      carries: kind, log: log)
    }

    /// The loop over any inbox: the output's own, or the replay of its disk buffer, whose
    /// events were counted as received when they were stored (`countsReceived` false).
    static func consume<Shards: DeliveryInboxShards>(_ inbox: StageInbox, metrics: ComponentMetrics, countsReceived: Bool,
                                                     into shards: inout Shards, name: String, carries kind: String,
                                                     log: RateLimitedLogger) async {
        let unsupported = metrics.dropCounter("unsupported")
        while true {
            switch await inbox.next(deadline: shards.deadline) {
            case .batch(var batch):
                if countsReceived {
                    metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                    metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
                }
                let acknowledgements = batch.acknowledgements
                guard let events = Shards.take(&batch) else {
                    // The graph validator only connects producers of the right kind; count one that slips through.
                    unsupported.wrappingIncrement(by: batch.count, ordering: .relaxed)
                    log.error("\(name): dropped \(batch.count) events: it carries \(kind) only")
                    batch.acknowledge(.dropped)
                    continue
                }
                await shards.add(events, now: .now)
                acknowledgements.release(.delivered)
            case .timeout:
                await shards.flushDue(now: .now)
            case .closed:
                await shards.flushAll()
                return
            }
        }
    }
}
