import NIOCore
import Pipeline

/// One PutLogEvents request: one log group and stream, its events in chronological order,
/// the encoded body, and where each event came from (for subsets and dead letters).
///
/// Items are the events in request order, so `rejectedLogEventsInfo` indices are item numbers.
/// The source batches are shared with the inbox copy-on-write and released with the payload.
package struct CloudWatchLogsPayload: LogDeliveryPayload {
    /// Where an event lives: its batch in `batches` and its row there.
    package struct Entry: Sendable {
        var batch: UInt32
        var index: UInt32
    }

    /// The rendered `group_name` and `stream_name`.
    package let group: [UInt8]
    package let stream: [UInt8]
    /// The request body (JSON).
    package let body: ByteBuffer
    /// The size CloudWatch counts: message bytes as sent plus 26 per event.
    package let size: Int
    let batches: [LogBatch]
    let entries: [Entry]
    let encoder: CloudWatchLogsEncoder

    /// Encodes `entries` (already in chronological order) of `batches`.
    init(group: [UInt8], stream: [UInt8], batches: [LogBatch], entries: [Entry], encoder: CloudWatchLogsEncoder) {
        var body = ByteBuffer()
        body.reserveCapacity(128 + entries.count * 64)
        size = encoder.encode(group: group, stream: stream, batches: batches, entries: entries, into: &body)
        self.group = group
        self.stream = stream
        self.body = body
        self.batches = batches
        self.entries = entries
        self.encoder = encoder
    }

    package var eventCount: Int { entries.count }

    /// The group and stream as text, for messages.
    var groupName: String { String(decoding: group, as: UTF8.self) }
    var streamName: String { String(decoding: stream, as: UTF8.self) }

    package func subset(_ items: [Int]) -> CloudWatchLogsPayload {
        CloudWatchLogsPayload(group: group, stream: stream, batches: batches, entries: items.map { entries[$0] }, encoder: encoder)
    }

    /// The events as NDJSON lines, as they arrived.
    package func writeEvents(into buffer: inout ByteBuffer) {
        let json = EventEncoder(encoding: .json)
        for entry in entries { json.encodeLog(batches[Int(entry.batch)], Int(entry.index), into: &buffer) }
    }
}
