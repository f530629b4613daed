import NIOCore
import Pipeline

/// The entries of one Loki lane waiting for their request (`DeliveryShard`).
///
/// Holds each input batch once (entries are rows of it), numbers the streams as they come
/// (`LokiStreamIndex`), and at `take()` sorts the entries into request order and encodes them
/// with the encoder the output's shards share.
struct LokiShard: DeliveryShard {
    /// What every shard of an output uses in turn (shards fill and flush one at a time, on one task).
    final class Shared {
        let rendering: LokiEventRendering
        var encoder: LokiEncoder

        init(rendering: LokiEventRendering) {
            self.rendering = rendering
            encoder = LokiEncoder(format: rendering.format)
        }
    }

    private let shared: Shared
    /// Whether each batch holds its acknowledgements once more for every payload it is in
    /// (disk buffer, `LogDeliveryPayload`).
    private let holdsAcknowledgements: Bool
    private var batches: [LogBatch] = []
    private var entries: [LokiEntry] = []
    private var streams = LokiStreams()
    private var index = LokiStreamIndex()
    /// The JSON lines (`line: json`).
    private var lines = ByteBuffer()
    /// The source id of `batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(shared: Shared, holdsAcknowledgements: Bool = false) {
        self.shared = shared
        self.holdsAcknowledgements = holdsAcknowledgements
    }

    mutating func append(_ i: Int, of source: LogBatch, sourceID: Int, key: UInt64) {
        let rendering = shared.rendering
        let length = rendering.lineLengths[i]
        guard length >= 0 else { return }  // line too long, dropped (counted by the rendering)
        if lastSourceID != sourceID {
            batches.append(source)
            lastSourceID = sourceID
            if holdsAcknowledgements { source.acknowledgements.hold(1) }
        }
        let stream = rendering.withLabels(i) { index.stream($0, key: key, in: &streams) }
        var offset = 0
        if rendering.format.line == .json {
            offset = lines.writerIndex
            var line = rendering.jsonLine(i)
            lines.writeBuffer(&line)
        }
        entries.append(LokiEntry(timestamp: source.records[i].timestamp, stream: stream, batch: UInt32(batches.count - 1),
                                 index: UInt32(i), lineLength: UInt32(length), lineOffset: UInt32(offset)))
    }

    /// The request of the pending entries (none when every line was dropped); the shard starts over.
    mutating func take() -> LokiPayload {
        var taken = entries
        entries = []
        entries.reserveCapacity(taken.count)
        taken.sort(by: LokiEntry.requestOrder)
        let payload = LokiPayload(batches: batches, streams: streams, lines: lines, entries: taken[...],
                                  encoder: &shared.encoder)
        batches = []
        streams = LokiStreams()
        index.removeAll()
        lines = ByteBuffer()
        lastSourceID = -1
        return payload
    }
}
