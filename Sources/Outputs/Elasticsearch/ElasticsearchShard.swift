import NIOCore
import Pipeline

/// The bulk items of one lane waiting for their request (`DeliveryShard`): events are
/// encoded as they arrive, into one buffer per request.
struct ElasticsearchShard: DeliveryShard {
    private let encoder: ElasticsearchEncoder
    /// Whether each batch holds its acknowledgements once more for every payload it is in
    /// (disk buffer, `LogDeliveryPayload`).
    private let holdsAcknowledgements: Bool
    private var lines = ByteBuffer()
    private var ends: [Int] = []
    private var batches: [LogBatch] = []
    private var entries: [ElasticsearchPayload.Entry] = []
    /// The source id of `batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(encoder: ElasticsearchEncoder, holdsAcknowledgements: Bool) {
        self.encoder = encoder
        self.holdsAcknowledgements = holdsAcknowledgements
    }

    mutating func append(_ index: Int, of source: LogBatch, sourceID: Int, key: UInt64) {
        if lastSourceID != sourceID {
            batches.append(source)
            lastSourceID = sourceID
            if holdsAcknowledgements { source.acknowledgements.hold(1) }
        }
        encoder.encode(source, index, into: &lines)
        ends.append(lines.readableBytes)
        entries.append(ElasticsearchPayload.Entry(batch: UInt32(batches.count - 1), index: UInt32(index)))
    }

    /// The pending items, not yet compressed (the lane compresses them: `compressed(by:)`).
    mutating func take() -> ElasticsearchPayload {
        let payload = ElasticsearchPayload(lines: lines, ends: ends, batches: batches, entries: entries, compressor: nil)
        lines = ByteBuffer()
        lines.reserveCapacity(payload.lines.readableBytes)
        ends = []
        ends.reserveCapacity(payload.ends.count)
        entries = []
        entries.reserveCapacity(payload.entries.count)
        batches = []
        lastSourceID = -1
        return payload
    }
}
