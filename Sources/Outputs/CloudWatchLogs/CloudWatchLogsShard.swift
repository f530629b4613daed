import Pipeline

/// The events of one lane waiting for their requests (`DeliveryShard`), kept per stream.
///
/// A request carries one group and stream, so `take()` makes one payload per stream held
/// (several when a stream's events span 24 hours or more), each sorted by timestamp
/// (stable: events of one instant keep their arrival order). The lane sends them in order.
/// Events are encoded at `take()`, once sorted; `append` only records where they are.
package struct CloudWatchLogsShard: DeliveryShard {
    /// CloudWatch refuses a request whose events span 24 hours or more.
    static let maxSpanMilliseconds: Int64 = 86_400_000

    private let names: CloudWatchLogsStreamKey
    private let encoder: CloudWatchLogsEncoder
    /// Whether each batch holds its acknowledgements once for every payload made of it (disk
    /// buffer, `LogDeliveryPayload`): once when it first arrives, and once more for every
    /// payload past the first that `take()` makes (each payload keeps every batch).
    private let holdsAcknowledgements: Bool
    /// The streams held, in the order they first appeared, with their events.
    private var streams: [(key: UInt64, entries: [CloudWatchLogsPayload.Entry])] = []
    /// `streams` index by key, and the last key seen (most events follow one of the same stream).
    private var streamIndex: [UInt64: Int] = [:]
    private var last: (key: UInt64, index: Int)?
    private var batches: [LogBatch] = []
    /// The source id of `batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(names: CloudWatchLogsStreamKey, encoder: CloudWatchLogsEncoder, holdsAcknowledgements: Bool) {
        self.names = names
        self.encoder = encoder
        self.holdsAcknowledgements = holdsAcknowledgements
    }

    package mutating func append(_ index: Int, of source: LogBatch, sourceID: Int, key: UInt64) {
        if lastSourceID != sourceID {
            batches.append(source)
            lastSourceID = sourceID
            if holdsAcknowledgements { source.acknowledgements.hold(1) }
        }
        let entry = CloudWatchLogsPayload.Entry(batch: UInt32(batches.count - 1), index: UInt32(index))
        if let last, last.key == key {
            streams[last.index].entries.append(entry)
            return
        }
        let s: Int
        if let known = streamIndex[key] {
            s = known
        } else {
            s = streams.count
            streamIndex[key] = s
            streams.append((key, []))
        }
        streams[s].entries.append(entry)
        last = (key, s)
    }

    package mutating func take() -> [CloudWatchLogsPayload] {
        var payloads: [CloudWatchLogsPayload] = []
        for (_, var entries) in streams {
            let first = entries[0]
            let (group, stream) = names.names(batches[Int(first.batch)], Int(first.index))
            entries.sort { timestamp($0) < timestamp($1) }
            var start = 0
            var startMilliseconds = CloudWatchLogsEncoder.milliseconds(timestamp(entries[0]))
            for (n, entry) in entries.enumerated() {
                let ms = CloudWatchLogsEncoder.milliseconds(timestamp(entry))
                guard ms - startMilliseconds >= Self.maxSpanMilliseconds else { continue }
                payloads.append(CloudWatchLogsPayload(group: group, stream: stream, batches: batches,
                                                      entries: Array(entries[start..<n]), encoder: encoder))
                start = n
                startMilliseconds = ms
            }
            payloads.append(CloudWatchLogsPayload(group: group, stream: stream, batches: batches,
                                                  entries: start == 0 ? entries : Array(entries[start...]), encoder: encoder))
        }
        if holdsAcknowledgements, payloads.count > 1 {
            for batch in batches { batch.acknowledgements.hold(payloads.count - 1) }
        }
        streams.removeAll(keepingCapacity: true)
        streamIndex.removeAll(keepingCapacity: true)
        last = nil
        batches = []
        lastSourceID = -1
        return payloads
    }

    private func timestamp(_ entry: CloudWatchLogsPayload.Entry) -> Int64 {
        batches[Int(entry.batch)].records[Int(entry.index)].timestamp
    }
}
