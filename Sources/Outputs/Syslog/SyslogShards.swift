import Codecs
import Pipeline

/// Spreads log events over the lanes by source and batches each lane (`DeliveryShards`).
///
/// The key is a hash of the event's `hostname`, `appname` and `procid`, so the messages of
/// one process stay in order on one connection while lanes write in parallel. With one
/// lane nothing is hashed.
struct SyslogShards: DeliveryInboxShards {
    private var shards: DeliveryShards<SyslogShard, ContinuousClock.Instant>
    private var keys: [(key: UInt64, size: Int)] = []
    private let hashes: Bool

    /// - Parameter holdsAcknowledgements: payloads hold their batches' acknowledgements (disk buffer).
    init(count: Int, limits: DeliveryBatchLimits, encoder: SyslogShard.SharedEncoder, holdsAcknowledgements: Bool = false,
         submit: @escaping (SyslogPayload, Int) async -> Void) {
        hashes = count > 1
        shards = DeliveryShards(count: count, limits: limits,
                                makeShard: { SyslogShard(encoder: encoder, holdsAcknowledgements: holdsAcknowledgements) },
                                submit: submit)
    }

    /// When the oldest pending batch is due; nil when nothing is pending.
    var deadline: ContinuousClock.Instant? { shards.deadline }

    /// Routes every event of `batch`, flushing lanes that fill up.
    static func take(_ batch: inout EventBatch) -> LogBatch? { batch.takeLogs() }

    mutating func add(_ batch: LogBatch, now: ContinuousClock.Instant) async {
        keys.removeAll(keepingCapacity: true)
        for i in 0..<batch.count {
            // The size counts the message and a typical header; the batch limit is approximate by design.
            keys.append((hashes ? Self.key(batch, i) : 0, Int(batch.records[i].message.length) + 64))
        }
        await shards.add(batch, keys: keys, now: now)
    }

    mutating func flushDue(now: ContinuousClock.Instant) async { await shards.flushDue(now: now) }

    mutating func flushAll() async { await shards.flushAll() }

    private static func key(_ batch: LogBatch, _ i: Int) -> UInt64 {
        func mix(_ h: UInt64, _ field: KnownField) -> UInt64 {
            switch batch.field(i, field) {
            case .bytes(let span)?: return batch.withBytes(span) { ByteHash.hash($0, seed: h) }
            case .int(let n)?: return ByteHash.mix(h ^ UInt64(bitPattern: n))
            default: return h
            }
        }
        return mix(mix(mix(0, .hostname), .appname), .procid)
    }
}
