import Pipeline

/// Spreads log events over the lanes by stream and batches each lane (`DeliveryShards`),
/// after setting aside the events CloudWatch would refuse (`CloudWatchLogsRefusal`).
///
/// The key is the hash of the rendered group and stream names (`CloudWatchLogsStreamKey`),
/// so the events of one stream keep to one lane, in order. Sizes are counted as CloudWatch
/// counts them (message bytes as sent + 26), so `batch.max_bytes` is CloudWatch's limit.
struct CloudWatchLogsShards: DeliveryInboxShards {
    private var shards: DeliveryShards<CloudWatchLogsShard, ContinuousClock.Instant>
    private var streamKey: CloudWatchLogsStreamKey
    private let encoder: CloudWatchLogsEncoder
    private let refused: CloudWatchLogsDeadLetters
    /// Unix nanoseconds now (the wall clock; tests pass their own).
    private let wallClock: @Sendable () -> Int64
    private var keys: [(key: UInt64, size: Int)] = []

    /// - Parameter holdsAcknowledgements: payloads hold their batches' acknowledgements (disk buffer).
    init(count: Int, limits: DeliveryBatchLimits, streamKey: CloudWatchLogsStreamKey, encoder: CloudWatchLogsEncoder,
         refused: CloudWatchLogsDeadLetters, wallClock: @escaping @Sendable () -> Int64 = WallClock.nanoseconds,
         holdsAcknowledgements: Bool = false, submit: @escaping ([CloudWatchLogsPayload], Int) async -> Void) {
        self.streamKey = streamKey
        self.encoder = encoder
        self.refused = refused
        self.wallClock = wallClock
        shards = DeliveryShards(count: count, limits: limits,
                                makeShard: {
                                    CloudWatchLogsShard(names: streamKey, encoder: encoder, holdsAcknowledgements: holdsAcknowledgements)
                                }, submit: submit)
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { shards.deadline }

    static func take(_ batch: inout EventBatch) -> LogBatch? { batch.takeLogs() }

    /// Routes every event of `batch` CloudWatch would take, flushing lanes that fill up.
    mutating func add(_ batch: LogBatch, now: ContinuousClock.Instant) async {
        var batch = batch
        keys.removeAll(keepingCapacity: true)
        let wall = wallClock()
        var refusals: [(Int, CloudWatchLogsRefusal)] = []
        for i in 0..<batch.count {
            let (key, emptyName) = streamKey.key(batch, i)
            if let refusal = emptyName ? .emptyName : CloudWatchLogsRefusal.check(batch, i, now: wall) {
                refusals.append((i, refusal))
                continue
            }
            let (size, cut) = encoder.size(batch, i)
            if cut { refused.truncated.wrappingIncrement(ordering: .relaxed) }
            keys.append((key, size))
        }
        if !refusals.isEmpty {
            refused.write(refusals, of: batch, encoder: encoder)
            var refusedAt = Set(refusals.map(\.0))
            batch.retain { refusedAt.remove($0) == nil }
        }
        await shards.add(batch, keys: keys, now: now)
    }

    mutating func flushDue(now: ContinuousClock.Instant) async { await shards.flushDue(now: now) }

    mutating func flushAll() async { await shards.flushAll() }
}
