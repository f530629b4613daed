import Pipeline

/// Spreads log events over the lanes and batches each lane into `_bulk` requests (`DeliveryShards`).
///
/// Elasticsearch orders nothing by arrival (documents are found by `@timestamp`), so the
/// key is only the input batch's number: each input batch stays together on one lane,
/// and successive batches spread over the lanes. Sizes are the encoded item's size as
/// near as can be told without encoding (escapes aside), for `batch.max_bytes`.
struct ElasticsearchShards: DeliveryInboxShards {
    private var shards: DeliveryShards<ElasticsearchShard, ContinuousClock.Instant>
    private var keys: [(key: UInt64, size: Int)] = []
    private var batchNumber: UInt64 = 0
    private let encoder: ElasticsearchEncoder

    /// - Parameter holdsAcknowledgements: payloads hold their batches' acknowledgements (disk buffer).
    init(count: Int, limits: DeliveryBatchLimits, encoder: ElasticsearchEncoder, holdsAcknowledgements: Bool = false,
         submit: @escaping (ElasticsearchPayload, Int) async -> Void) {
        self.encoder = encoder
        shards = DeliveryShards(count: count, limits: limits,
                                makeShard: { ElasticsearchShard(encoder: encoder, holdsAcknowledgements: holdsAcknowledgements) },
                                submit: submit)
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { shards.deadline }

    static func take(_ batch: inout EventBatch) -> LogBatch? { batch.takeLogs() }

    /// Routes every event of `batch`, flushing lanes that fill up.
    mutating func add(_ batch: LogBatch, now: ContinuousClock.Instant) async {
        keys.removeAll(keepingCapacity: true)
        batchNumber &+= 1
        for i in 0..<batch.count { keys.append((batchNumber, encoder.estimatedSize(batch, i))) }
        await shards.add(batch, keys: keys, now: now)
    }

    mutating func flushDue(now: ContinuousClock.Instant) async { await shards.flushDue(now: now) }

    mutating func flushAll() async { await shards.flushAll() }
}

extension ElasticsearchEncoder {
    /// The bytes event `index` takes in a request, exact but for JSON escapes.
    func estimatedSize(_ batch: LogBatch, _ index: Int) -> Int {
        // {"create":{"_index":"","_id":""}}\n {"@timestamp":"2026-01-01T00:00:00.000000000Z","message":""}\n
        var size = 34 + target.length + (documentIDs ? Self.idLength : 0) + 61 + Int(batch.records[index].message.length)
        batch.forEachField(index) { key, value in
            if case .custom(let span) = key { size += Int(span.length) + 4 } else { size += 20 }
            if case .bytes(let span) = value { size += Int(span.length) + 2 } else { size += 8 }
        }
        return size
    }
}
