/// What one shard gathers between flushes, and the payload it makes of it.
///
/// Items are events of source batches (`MetricBatch`, `LogBatch`), passed by index so the
/// batch is retained once per shard, not once per event.
package protocol DeliveryShard {
    /// The batches events come in.
    associatedtype Source
    /// What a flush hands on.
    associatedtype Payload

    /// Adds event `index` of `source`; `sourceID` is new for each source batch.
    mutating func append(_ index: Int, of source: Source, sourceID: Int, key: UInt64)
    /// The payload of everything appended since the last call; the shard starts over empty.
    mutating func take() -> Payload
}

/// Sorts events into shards by key and batches each shard (`DeliveryBatcher`).
///
/// One key always lands in one shard; paired with one lane per shard (`DeliveryLanes`:
/// one request in flight at a time), the events of a key (a series, a stream, a
/// partition) reach the receiver in order while shards run in parallel. A full or due
/// shard is taken and its payload handed to `submit` with the shard's index as the lane.
package struct DeliveryShards<Shard: DeliveryShard, Instant: InstantProtocol> where Instant.Duration == Duration {
    private var shards: [Shard]
    private var batchers: [DeliveryBatcher<Instant>]
    private var nextSourceID = 0
    private let submit: (Shard.Payload, Int) async -> Void

    /// - Parameters:
    ///   - makeShard: makes each of the `count` shards.
    ///   - submit: sends a payload on a lane (the shard index); may wait for the lane.
    package init(count: Int, limits: DeliveryBatchLimits, makeShard: () -> Shard,
                submit: @escaping (Shard.Payload, Int) async -> Void) {
        precondition(count > 0, "BUG: DeliveryShards needs at least one shard")
        shards = (0..<count).map { _ in makeShard() }
        batchers = Array(repeating: DeliveryBatcher(limits: limits), count: count)
        self.submit = submit
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    package var deadline: Instant? {
        batchers.lazy.compactMap(\.deadline).min()
    }

    /// Routes event `i` of `source` by `keys[i]` (its shard key and its size in bytes),
    /// flushing shards that fill up.
    package mutating func add(_ source: Shard.Source, keys: [(key: UInt64, size: Int)], now: Instant) async {
        let id = nextSourceID
        nextSourceID += 1
        for (index, item) in keys.enumerated() {
            let k = DeliveryShardKey.shard(of: item.key, count: shards.count)
            if !batchers[k].fits(bytes: item.size) { await flush(k) }
            shards[k].append(index, of: source, sourceID: id, key: item.key)
            if case .flush = batchers[k].add(bytes: item.size, now: now) { await flush(k) }
        }
    }

    /// Flushes the shards whose batch is due at `now`.
    package mutating func flushDue(now: Instant) async {
        for k in shards.indices {
            if case .flush = batchers[k].check(now: now) { await flush(k) }
        }
    }

    /// Flushes every shard with pending events (shutdown).
    package mutating func flushAll() async {
        for k in shards.indices where !batchers[k].isEmpty { await flush(k) }
    }

    private mutating func flush(_ k: Int) async {
        guard !batchers[k].isEmpty else { return }
        batchers[k].reset()
        await submit(shards[k].take(), k)
    }
}
