import Pipeline

/// Sorts samples into `concurrency` shards by series hash (`DeliveryShards`) and batches
/// each shard into remote-write requests.
///
/// One series always lands in one shard, and a shard has one request in flight at a time
/// (`DeliveryLanes`), so a series' samples reach the receiver in order while shards run in
/// parallel (PROTOCOLS.md: "parallelism only across series"). What is remote-write's here
/// is the key (the series hash, `RemoteWriteSeries.identity`) and the shard's contents
/// (`RemoteWriteShard`).
struct RemoteWriteShards: DeliveryInboxShards {
    private var shards: DeliveryShards<RemoteWriteShard, ContinuousClock.Instant>
    private var keys: [(key: UInt64, size: Int)] = []

    /// - Parameters:
    ///   - holdsAcknowledgements: each request holds the acknowledgements of its batches until
    ///     `submit` releases them (`RemoteWriteShard`; the disk buffer).
    ///   - submit: sends a payload on a lane (the shard index); may wait for the lane.
    init(count: Int, limits: DeliveryBatchLimits, holdsAcknowledgements: Bool = false,
         submit: @escaping (RemoteWritePayload, Int) async -> Void) {
        let encoder = RemoteWriteShard.SharedEncoder()
        shards = DeliveryShards(count: count, limits: limits,
                                makeShard: { RemoteWriteShard(encoder: encoder, holdsAcknowledgements: holdsAcknowledgements) },
                                submit: submit)
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { shards.deadline }

    /// Routes every sample of `batch`, flushing shards that fill up.
    static func take(_ batch: inout EventBatch) -> MetricBatch? { batch.takeMetrics() }

    mutating func add(_ batch: MetricBatch, now: ContinuousClock.Instant) async {
        // Identities first, in one arena access; then placing may suspend on a busy lane.
        keys.removeAll(keepingCapacity: true)
        RemoteWriteSeries.withArena(batch) { arena in
            for i in 0..<batch.count {
                let identity = RemoteWriteSeries.identity(i, arena)
                keys.append((identity.hash, identity.size))
            }
        }
        await shards.add(batch, keys: keys, now: now)
    }

    /// Flushes the shards whose batch is due at `now`.
    mutating func flushDue(now: ContinuousClock.Instant) async { await shards.flushDue(now: now) }

    /// Flushes every shard with pending samples (shutdown).
    mutating func flushAll() async { await shards.flushAll() }
}
