import Pipeline

/// The samples of one remote-write shard waiting for their request (`DeliveryShard`).
///
/// Holds each input batch once (samples are rows of it) and builds the request with the
/// encoder the output's shards share, so one protobuf buffer is reused for all of them.
struct RemoteWriteShard: DeliveryShard {
    /// The encoder every shard of an output uses in turn (shards flush one at a time, on one task).
    final class SharedEncoder {
        var encoder = RemoteWriteEncoder()
    }

    private let shared: SharedEncoder
    /// Whether each batch holds its acknowledgements once more for every request it is in,
    /// released when that request is stored (disk buffer); a memory buffer holds none.
    private let holdsAcknowledgements: Bool
    private var batches: [MetricBatch] = []
    private var entries: [RemoteWriteEntry] = []
    private var order = RemoteWriteRequestOrder()
    /// The source id of `batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(encoder: SharedEncoder, holdsAcknowledgements: Bool = false) {
        shared = encoder
        self.holdsAcknowledgements = holdsAcknowledgements
    }

    mutating func append(_ index: Int, of source: MetricBatch, sourceID: Int, key: UInt64) {
        if lastSourceID != sourceID {
            batches.append(source)
            lastSourceID = sourceID
            if holdsAcknowledgements { source.acknowledgements.hold(1) }
        }
        entries.append(RemoteWriteEntry(hash: key, timestamp: source.records[index].timestamp,
                                        batch: UInt32(batches.count - 1), index: UInt32(index)))
    }

    /// The request of the pending samples: series together, each in timestamp order, in the
    /// order they arrived (`RemoteWriteRequestOrder`).
    mutating func take() -> RemoteWritePayload {
        var taken = entries
        let held = batches
        entries = []
        entries.reserveCapacity(taken.count)
        batches = []
        lastSourceID = -1
        order.arrange(&taken)
        return RemoteWritePayload(batches: held, entries: taken[...], encoder: &shared.encoder)
    }
}
