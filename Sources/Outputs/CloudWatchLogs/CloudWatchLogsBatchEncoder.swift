import Pipeline

/// The output's encode path for one batch, callable from elsewhere (`pipectl-bench`): every
/// event keyed by stream and sized as `CloudWatchLogsShards` does, gathered in a
/// `CloudWatchLogsShard`, and taken as the PutLogEvents payloads a flush makes (one per
/// stream, sorted, cut at 24 hours). The age and empty-message checks, which need the wall
/// clock, and the batch limits, which the caller picks by batch size, are left out.
/// Reuse one encoder across batches, as the output reuses its shards.
package struct CloudWatchLogsBatchEncoder {
    private var streamKey: CloudWatchLogsStreamKey
    private let encoder: CloudWatchLogsEncoder
    private var shard: CloudWatchLogsShard
    private var sourceID = 0

    /// Templates as in the configuration (`"/app/{{ appname }}"`); nil with the parse error.
    package init?(groupName: String, streamName: String,
                  maxMessageBytes: Int = CloudWatchLogsEncoder.defaultMaxMessageBytes) {
        guard let group = FieldTemplate.parse(groupName).template, let stream = FieldTemplate.parse(streamName).template else {
            return nil
        }
        streamKey = CloudWatchLogsStreamKey(group: group, stream: stream)
        encoder = CloudWatchLogsEncoder(maxMessageBytes: maxMessageBytes)
        shard = CloudWatchLogsShard(names: streamKey, encoder: encoder, holdsAcknowledgements: false)
    }

    /// The payloads of every event of `batch`.
    package mutating func encode(_ batch: LogBatch) -> [CloudWatchLogsPayload] {
        sourceID += 1
        for i in 0..<batch.count {
            let key = streamKey.key(batch, i).key
            _ = encoder.size(batch, i)
            shard.append(i, of: batch, sourceID: sourceID, key: key)
        }
        return shard.take()
    }
}
