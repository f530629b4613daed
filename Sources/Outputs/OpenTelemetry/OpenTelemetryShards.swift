import Pipeline

/// Batches the three signals of the inbox into their requests (`DeliveryInboxShards`):
///
/// - logs by resource and metrics by series, over `count` shards (`DeliveryShards`): one
///   resource's records, one series' points, always go through one lane, in order;
/// - spans whole, to each lane in turn (`OpenTelemetrySpanBatcher`).
///
/// Shard k of every signal submits on lane k, so `concurrency` bounds the requests in flight
/// across signals. The signals share one compressor, logs and metrics one rendering: the
/// shards fill and flush one batch at a time, on the inbox task.
struct OpenTelemetryShards: DeliveryInboxShards {
    typealias LogShards = DeliveryShards<OpenTelemetryShard<OpenTelemetryLogLayout>, ContinuousClock.Instant>
    typealias MetricShards = DeliveryShards<OpenTelemetryShard<OpenTelemetryMetricLayout>, ContinuousClock.Instant>

    /// Where each signal's requests go, with their lane.
    struct Submit {
        var logs: (OpenTelemetryGroupedPayload<OpenTelemetryLogLayout>, Int) async -> Void
        var metrics: (OpenTelemetryGroupedPayload<OpenTelemetryMetricLayout>, Int) async -> Void
        var spans: (OpenTelemetrySpanPayload, Int) async -> Void
    }

    private var logs: LogShards
    private var metrics: MetricShards
    private var spans: OpenTelemetrySpanBatcher
    private let rendered = OpenTelemetryRendered()
    private var keys: [(key: UInt64, size: Int)] = []

    /// - Parameter holdsAcknowledgements: each request holds the acknowledgements of its
    ///   batches until `submit` releases them (`releaseBatches`; the disk buffer).
    init(count: Int, limits: DeliveryBatchLimits, compression: OpenTelemetryCompression, holdsAcknowledgements: Bool = false,
         submit: Submit) {
        let compressor = OpenTelemetryCompressor(compression)
        let rendered = self.rendered
        let holds = holdsAcknowledgements
        logs = LogShards(count: count, limits: limits,
                         makeShard: { .init(rendered: rendered, compressor: compressor, holdsAcknowledgements: holds) },
                         submit: submit.logs)
        metrics = MetricShards(count: count, limits: limits,
                               makeShard: { .init(rendered: rendered, compressor: compressor, holdsAcknowledgements: holds) },
                               submit: submit.metrics)
        spans = OpenTelemetrySpanBatcher(lanes: count, limits: limits, compressor: compressor, holdsAcknowledgements: holds,
                                         submit: submit.spans)
    }

    /// When the oldest pending request of any signal is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? {
        [logs.deadline, metrics.deadline, spans.deadline].compactMap { $0 }.min()
    }

    /// Every batch: the output carries all three signals.
    static func take(_ batch: inout EventBatch) -> EventBatch? { batch }

    mutating func add(_ batch: EventBatch, now: ContinuousClock.Instant) async {
        var batch = batch
        keys.removeAll(keepingCapacity: true)
        if let log = batch.takeLogs() {
            OpenTelemetryLogLayout.render(log, into: rendered, keys: &keys)
            await logs.add(log, keys: keys, now: now)
        } else if let metric = batch.takeMetrics() {
            OpenTelemetryMetricLayout.render(metric, into: rendered, keys: &keys)
            await metrics.add(metric, keys: keys, now: now)
        } else if let span = batch.takeSpans() {
            await spans.add(span, now: now)
        }
    }

    mutating func flushDue(now: ContinuousClock.Instant) async {
        await logs.flushDue(now: now)
        await metrics.flushDue(now: now)
        await spans.flushDue(now: now)
    }

    mutating func flushAll() async {
        await logs.flushAll()
        await metrics.flushAll()
        await spans.flush()
    }
}
