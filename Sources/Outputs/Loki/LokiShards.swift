import Pipeline

/// Spreads log events over the lanes by stream and batches each lane (`DeliveryShards`).
///
/// The key is a hash of the event's label string (`LokiEventRendering`), so one stream always
/// goes through one lane, one request at a time (`DeliveryLanes`): its entries reach Loki in
/// order while lanes push in parallel.
struct LokiShards: DeliveryInboxShards {
    private var shards: DeliveryShards<LokiShard, ContinuousClock.Instant>
    private let shared: LokiShard.Shared
    private var keys: [(key: UInt64, size: Int)] = []

    /// - Parameter holdsAcknowledgements: payloads hold their batches' acknowledgements (disk buffer).
    init(count: Int, limits: DeliveryBatchLimits, rendering: LokiEventRendering, holdsAcknowledgements: Bool = false,
         submit: @escaping (LokiPayload, Int) async -> Void) {
        let shared = LokiShard.Shared(rendering: rendering)
        self.shared = shared
        shards = DeliveryShards(count: count, limits: limits,
                                makeShard: { LokiShard(shared: shared, holdsAcknowledgements: holdsAcknowledgements) },
                                submit: submit)
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { shards.deadline }

    static func take(_ batch: inout EventBatch) -> LogBatch? { batch.takeLogs() }

    /// Renders every event of `batch` (labels, lines), then places each in its stream's shard.
    mutating func add(_ batch: LogBatch, now: ContinuousClock.Instant) async {
        keys.removeAll(keepingCapacity: true)
        shared.rendering.render(batch, keys: &keys)
        await shards.add(batch, keys: keys, now: now)
    }

    mutating func flushDue(now: ContinuousClock.Instant) async { await shards.flushDue(now: now) }

    mutating func flushAll() async { await shards.flushAll() }
}
