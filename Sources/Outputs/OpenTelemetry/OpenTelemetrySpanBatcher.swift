import Pipeline

/// Batches span batches into trace requests, whole: spans need no order and no grouping, so
/// each full or due request goes to the next lane in turn.
///
/// `max_events` and `max_bytes` count the spans and bytes of the batches; a batch is never
/// cut, so one larger than `max_bytes` goes alone (and the driver splits it by spans).
struct OpenTelemetrySpanBatcher {
    private var batcher: DeliveryBatcher<ContinuousClock.Instant>
    private var pending: [SpanBatch] = []
    private let lanes: Int
    private var lane = 0
    private let compressor: OpenTelemetryCompressor
    /// Whether each batch holds its acknowledgements once more until its request is stored.
    private let holdsAcknowledgements: Bool
    private let submit: (OpenTelemetrySpanPayload, Int) async -> Void

    init(lanes: Int, limits: DeliveryBatchLimits, compressor: OpenTelemetryCompressor, holdsAcknowledgements: Bool = false,
         submit: @escaping (OpenTelemetrySpanPayload, Int) async -> Void) {
        batcher = DeliveryBatcher(limits: limits)
        self.lanes = lanes
        self.compressor = compressor
        self.holdsAcknowledgements = holdsAcknowledgements
        self.submit = submit
    }

    /// When the pending request is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { batcher.deadline }

    mutating func add(_ batch: SpanBatch, now: ContinuousClock.Instant) async {
        guard !batch.isEmpty else { return }
        if !batcher.fits(bytes: batch.byteCount) { await flush() }
        pending.append(batch)
        if holdsAcknowledgements { batch.acknowledgements.hold(1) }
        if case .flush = batcher.add(events: batch.count, bytes: batch.byteCount, now: now) { await flush() }
    }

    mutating func flushDue(now: ContinuousClock.Instant) async {
        if case .flush = batcher.check(now: now) { await flush() }
    }

    mutating func flush() async {
        guard !batcher.isEmpty else { return }
        let payload = OpenTelemetrySpanPayload(batches: pending, compressor: compressor)
        pending = []
        batcher.reset()
        lane = (lane + 1) % lanes
        await submit(payload, lane)
    }
}
