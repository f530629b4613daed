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
    /// The samples, in `RemoteWriteEntry.requestOrder`.
    let entries: ArraySlice<RemoteWriteEntry>
    let request: DeliveryRequest
    /// The uncompressed protobuf size.
    let size: Int

    /// Encodes `entries` (sorted) with `encoder`.
    init(batches: [MetricBatch], entries: ArraySlice<RemoteWriteEntry>, encoder: inout RemoteWriteEncoder) {
        self.batches = batches
        self.entries = entries
        let (body, size) = encoder.encodeCompressed(entries, of: batches)
        request = DeliveryRequest(body: body)
        self.size = size
    }

    var eventCount: Int { entries.count }

    /// The first and second half of the samples; a series cut in two keeps its order
    /// because the driver sends the first half first.
    func split() -> (RemoteWritePayload, RemoteWritePayload)? {
        guard entries.count > 1 else { return nil }
        let middle = entries.startIndex + entries.count / 2
        var encoder = RemoteWriteEncoder()
        return (RemoteWritePayload(batches: batches, entries: entries[..<middle], encoder: &encoder),
                RemoteWritePayload(batches: batches, entries: entries[middle...], encoder: &encoder))
    }

    /// The samples as NDJSON metric lines, in the order they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        let json = EventEncoder(encoding: .json)
        for entry in entries.sorted(by: { ($0.batch, $0.index) < ($1.batch, $1.index) }) {
            json.encodeMetric(batches[Int(entry.batch)], Int(entry.index), into: &buffer)
        }
    }
}
