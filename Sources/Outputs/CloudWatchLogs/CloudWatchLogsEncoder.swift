import Codecs
import NIOCore
import Pipeline

/// Writes PutLogEvents bodies straight from the batches' bytes (PROTOCOLS.md "CloudWatch
/// Logs PutLogEvents"):
///
/// ```
/// {"logGroupName":"app","logStreamName":"web-1","logEvents":[{"timestamp":1795975200000,"message":"GET / 200"},…]}
/// ```
/// `timestamp` is the event's time in Unix milliseconds (rounded down); `message` the
/// event's message as `CloudWatchLogsMessage` repairs and cuts it. The events are written
/// in the order given: the caller sorts them.
package struct CloudWatchLogsEncoder: Sendable {
    /// What CloudWatch adds to each message's UTF-8 bytes when it measures a batch.
    package static let eventOverhead = 26
    /// What CloudWatch accepts per request: bytes (messages + 26 per event) and events.
    package static let maxRequestBytes = 1_048_576, maxRequestEvents = 10_000
    /// The longest message that keeps an event within 256 KiB (the quota in every region).
    package static let defaultMaxMessageBytes = 262_144 - eventOverhead

    /// Messages longer than this are cut at a character boundary.
    package let maxMessageBytes: Int

    package init(maxMessageBytes: Int = defaultMaxMessageBytes) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// The size event `i` of `batch` counts against a request (its message as sent + 26),
    /// and whether its message is cut.
    func size(_ batch: LogBatch, _ i: Int) -> (bytes: Int, cut: Bool) {
        let (bytes, cut) = batch.withMessage(i) { CloudWatchLogsMessage.length($0, max: maxMessageBytes) }
        return (bytes + Self.eventOverhead, cut)
    }

    /// Writes the body for `entries` (in this order) of `batches` into `body`; returns the
    /// size CloudWatch counts.
    func encode(group: [UInt8], stream: [UInt8], batches: [LogBatch], entries: [CloudWatchLogsPayload.Entry],
                into body: inout ByteBuffer) -> Int {
        var counted = 0
        body.writeStaticString("{\"logGroupName\":")
        group.withUnsafeBytes { JSONWriter.writeString($0, into: &body) }
        body.writeStaticString(",\"logStreamName\":")
        stream.withUnsafeBytes { JSONWriter.writeString($0, into: &body) }
        body.writeStaticString(",\"logEvents\":[")
        for (n, entry) in entries.enumerated() {
            let batch = batches[Int(entry.batch)]
            let i = Int(entry.index)
            body.writeStaticString(n == 0 ? "{\"timestamp\":" : ",{\"timestamp\":")
            JSONWriter.writeInt(Self.milliseconds(batch.records[i].timestamp), into: &body)
            body.writeStaticString(",\"message\":")
            counted += batch.withMessage(i) { CloudWatchLogsMessage.write($0, max: maxMessageBytes, into: &body) }
                + Self.eventOverhead
            body.writeInteger(UInt8(ascii: "}"))
        }
        body.writeStaticString("]}")
        return counted
    }

    /// Unix nanoseconds as Unix milliseconds, rounded down.
    static func milliseconds(_ nanoseconds: Int64) -> Int64 {
        nanoseconds >= 0 ? nanoseconds / 1_000_000 : (nanoseconds - 999_999) / 1_000_000
    }
}
