import NIOCore
import Pipeline

/// The output's encode path without a network, for benchmarks: batches events into
/// `_bulk` requests as one lane does (`ElasticsearchShard`, `DeliveryBatcher` with the
/// output's size estimate) and compresses them as the lane would.
package struct ElasticsearchBulkBuilder {
    private var shard: ElasticsearchShard
    private var batcher: DeliveryBatcher<ContinuousClock.Instant>
    private let encoder: ElasticsearchEncoder
    private let compressor: ElasticsearchCompressor?
    private var sourceID = 0

    /// - Parameters:
    ///   - index: the index pattern (`mode: index`) or data stream name (`dataStream`); must be valid.
    ///   - limits: `batch:`; the output's defaults are 1000 events, 10MiB, 1s.
    package init(index: String = "pipectl-%Y.%m.%d", dataStream: Bool = false, documentIDs: Bool = true, gzip: Bool = true,
                 limits: DeliveryBatchLimits = DeliveryBatchLimits(maxEvents: 1000, maxBytes: 10 * 1024 * 1024, timeout: .seconds(1))) {
        guard case .success(let target) = ElasticsearchIndexPattern.parse(index) else {
            preconditionFailure("BUG: invalid index pattern '\(index)'")
        }
        encoder = ElasticsearchEncoder(action: dataStream ? .create : .index, target: target, documentIDs: documentIDs)
        shard = ElasticsearchShard(encoder: encoder, holdsAcknowledgements: false)
        batcher = DeliveryBatcher(limits: limits)
        compressor = gzip ? ElasticsearchCompressor() : nil
    }

    /// The request bodies, as sent, of the requests `batch` fills; what is left stays pending for the next call or `flush()`.
    package mutating func requests(_ batch: LogBatch) -> [ByteBuffer] {
        var bodies: [ByteBuffer] = []
        let now = ContinuousClock.now
        sourceID += 1
        for i in 0..<batch.count {
            let size = encoder.estimatedSize(batch, i)
            if !batcher.fits(bytes: size) { bodies.append(take()) }
            shard.append(i, of: batch, sourceID: sourceID, key: 0)
            if case .flush = batcher.add(bytes: size, now: now) { bodies.append(take()) }
        }
        return bodies
    }

    /// The body of the pending request, if any.
    package mutating func flush() -> ByteBuffer? {
        batcher.isEmpty ? nil : take()
    }

    private mutating func take() -> ByteBuffer {
        batcher.reset()
        return shard.take().compressed(by: compressor).body
    }
}
