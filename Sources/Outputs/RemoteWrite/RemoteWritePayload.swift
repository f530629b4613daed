import NIOCore
import Pipeline

/// One remote-write request: its samples (rows of the batches they arrived in) and the
/// encoded, compressed body.
///
/// The batches are shared with the inbox copy-on-write, so holding them costs no copy;
/// they are released once the request is delivered or written off.
struct RemoteWritePayload: DeliveryPayload {
    /// The batches the samples live in.
    let batches: [MetricBatch]
    /// The samples, arranged by `RemoteWriteRequestOrder`; item i of the payload is `entries[i]`.
    let entries: ArraySlice<RemoteWriteEntry>
    /// The snappy-compressed `WriteRequest`, sent as is on every attempt.
    let body: ByteBuffer
    /// The uncompressed protobuf size.
    let size: Int

    /// Encodes `entries` (sorted) with `encoder`.
    init(batches: [MetricBatch], entries: ArraySlice<RemoteWriteEntry>, encoder: inout RemoteWriteEncoder) {
        self.batches = batches
        self.entries = entries
        (body, size) = encoder.encodeCompressed(entries, of: batches)
    }

    var eventCount: Int { entries.count }

    /// The samples at `items`, encoded again; a series cut in two keeps its order because
    /// the items stay in request order and the driver sends the first part first.
    func subset(_ items: [Int]) -> RemoteWritePayload {
        var encoder = RemoteWriteEncoder()
        let picked = items.map { entries[entries.startIndex + $0] }
        return RemoteWritePayload(batches: batches, entries: picked[...], encoder: &encoder)
    }

    /// The samples as NDJSON metric lines, in the order they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        let json = EventEncoder(encoding: .json)
        for entry in entries.sorted(by: { ($0.batch, $0.index) < ($1.batch, $1.index) }) {
            json.encodeMetric(batches[Int(entry.batch)], Int(entry.index), into: &buffer)
        }
    }
}
