import Pipeline

/// Sorts samples into `concurrency` shards by series hash and batches each shard.
///
/// One series always lands in one shard, and a shard has one request in flight at a time
/// (`DeliveryLanes`), so a series' samples reach the receiver in order while shards run in
/// parallel (PROTOCOLS.md: "parallelism only across series"). Each shard has its own
/// `DeliveryBatcher`; a full or due batch is encoded here and handed to `submit`.
struct RemoteWriteShards {
    /// Samples of one shard waiting for their request.
    private struct Shard {
        var batcher: DeliveryBatcher<ContinuousClock.Instant>
        var batches: [MetricBatch] = []
        var entries: [RemoteWriteEntry] = []
        /// The id of the input batch at `batches.last`, so each batch is held once.
        var lastBatchID = -1
    }

    private var shards: [Shard]
    private var encoder = RemoteWriteEncoder()
    private var nextBatchID = 0
    private var identities: [(hash: UInt64, size: Int)] = []
    private let submit: (RemoteWritePayload, Int) async -> Void

    /// - Parameter submit: sends a payload on a lane (the shard index); may wait for the lane.
    init(count: Int, limits: DeliveryBatchLimits, submit: @escaping (RemoteWritePayload, Int) async -> Void) {
        shards = (0..<count).map { _ in Shard(batcher: DeliveryBatcher(limits: limits)) }
        self.submit = submit
    }

    /// The shard of a series hash.
    static func shard(of hash: UInt64, count: Int) -> Int {
        Int(RemoteWriteSeries.mix(hash) % UInt64(count))
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? {
        shards.lazy.compactMap(\.batcher.deadline).min()
    }

    /// Routes every sample of `batch`, flushing shards that fill up.
    mutating func add(_ batch: MetricBatch, now: ContinuousClock.Instant) async {
        let id = nextBatchID
        nextBatchID += 1
        // Identities first, in one arena access; then placing may suspend on a busy lane.
        identities.removeAll(keepingCapacity: true)
        RemoteWriteSeries.withArena(batch) { arena in
            for i in 0..<batch.count { identities.append(RemoteWriteSeries.identity(i, arena)) }
        }
        for i in 0..<batch.count {
            await place(batch, id: id, index: i, identities[i], now: now)
        }
    }

    private mutating func place(_ batch: MetricBatch, id: Int, index: Int, _ identity: (hash: UInt64, size: Int),
                                now: ContinuousClock.Instant) async {
        let k = Self.shard(of: identity.hash, count: shards.count)
        if !shards[k].batcher.fits(bytes: identity.size) { await flush(k) }
        if shards[k].lastBatchID != id {
            shards[k].batches.append(batch)
            shards[k].lastBatchID = id
        }
        shards[k].entries.append(RemoteWriteEntry(hash: identity.hash, timestamp: batch.records[index].timestamp,
                                                  batch: UInt32(shards[k].batches.count - 1), index: UInt32(index)))
        if case .flush = shards[k].batcher.add(bytes: identity.size, now: now) { await flush(k) }
    }

    /// Flushes the shards whose batch is due at `now`.
    mutating func flushDue(now: ContinuousClock.Instant) async {
        for k in shards.indices {
            if case .flush = shards[k].batcher.check(now: now) { await flush(k) }
        }
    }

    /// Flushes every shard with pending samples (shutdown).
    mutating func flushAll() async {
        for k in shards.indices where !shards[k].batcher.isEmpty { await flush(k) }
    }

    private mutating func flush(_ k: Int) async {
        guard !shards[k].entries.isEmpty else { return }
        var entries = shards[k].entries
        let batches = shards[k].batches
        shards[k].entries = []
        shards[k].entries.reserveCapacity(entries.count)
        shards[k].batches = []
        shards[k].lastBatchID = -1
        shards[k].batcher.reset()
        entries.sort(by: RemoteWriteEntry.requestOrder)
        let payload = RemoteWritePayload(batches: batches, entries: entries[...], encoder: &encoder)
        await submit(payload, k)
    }
}
