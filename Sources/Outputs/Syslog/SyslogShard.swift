import Atomics
import NIOCore
import Pipeline

/// The frames of one syslog lane waiting for their write (`DeliveryShard`): events are
/// encoded as they arrive, into one buffer per batch.
struct SyslogShard: DeliveryShard {
    /// The encoder every shard of an output uses in turn (shards fill one at a time, on one task).
    final class SharedEncoder {
        let encoder: SyslogEncoder
        /// `errors{kind="truncated"}`: messages cut to `max_message_bytes`.
        let truncated: ManagedAtomic<Int>

        init(_ encoder: SyslogEncoder, truncated: ManagedAtomic<Int>) {
            self.encoder = encoder
            self.truncated = truncated
        }
    }

    private let shared: SharedEncoder
    /// Whether each batch holds its acknowledgements once more for every payload it is in,
    /// released when that payload is settled (disk buffer, `LogDeliveryPayload`).
    private let holdsAcknowledgements: Bool
    private var frames = ByteBuffer()
    private var ends: [Int] = []
    private var batches: [LogBatch] = []
    private var entries: [SyslogPayload.Entry] = []
    /// The source id of `batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(encoder: SharedEncoder, holdsAcknowledgements: Bool) {
        shared = encoder
        self.holdsAcknowledgements = holdsAcknowledgements
    }

    mutating func append(_ index: Int, of source: LogBatch, sourceID: Int, key: UInt64) {
        if lastSourceID != sourceID {
            batches.append(source)
            lastSourceID = sourceID
            if holdsAcknowledgements { source.acknowledgements.hold(1) }
        }
        if shared.encoder.encode(source, index, into: &frames) {
            shared.truncated.wrappingIncrement(ordering: .relaxed)
        }
        ends.append(frames.readableBytes)
        entries.append(SyslogPayload.Entry(batch: UInt32(batches.count - 1), index: UInt32(index)))
    }

    mutating func take() -> SyslogPayload {
        let payload = SyslogPayload(frames: frames, ends: ends, batches: batches, entries: entries)
        frames = ByteBuffer()
        frames.reserveCapacity(payload.frames.readableBytes)
        ends = []
        ends.reserveCapacity(payload.ends.count)
        entries = []
        entries.reserveCapacity(payload.entries.count)
        batches = []
        lastSourceID = -1
        return payload
    }
}
