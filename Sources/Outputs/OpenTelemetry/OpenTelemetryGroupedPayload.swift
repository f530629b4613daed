import Codecs
import NIOCore
import Pipeline

/// A log or metric request: its entries in request order, what they point into, and the
/// encoded, compressed body. `subset` encodes the picked entries afresh (splits);
/// `writeEvents` writes their events for the dead-letter file.
struct OpenTelemetryGroupedPayload<Layout: OpenTelemetryLayout>: OpenTelemetryBatchedPayload {
    var signal: OTLPSignal { Layout.signal }

    let rows: OpenTelemetryRows<Layout.Batch>
    /// Item i of the payload is `entries[startIndex + i]`.
    let entries: ArraySlice<OpenTelemetryEntry>
    let compression: OpenTelemetryCompression
    let body: ByteBuffer
    /// The uncompressed protobuf size.
    let size: Int

    init(rows: OpenTelemetryRows<Layout.Batch>, entries: ArraySlice<OpenTelemetryEntry>, compressor: OpenTelemetryCompressor) {
        self.rows = rows
        self.entries = entries
        compression = compressor.compression
        (body, size) = compressor.body { Layout.writeRequest(entries, rows, into: &$0) }
    }

    var eventCount: Int { entries.count }

    func subset(_ items: [Int]) -> Self {
        let picked = items.map { entries[entries.startIndex + $0] }
        return Self(rows: rows, entries: picked[...], compressor: OpenTelemetryCompressor(compression))
    }

    func releaseBatches(_ status: AckStatus) {
        for batch in rows.batches { Layout.acknowledgements(of: batch).release(status) }
    }

    /// The events as NDJSON lines, in the order they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        for entry in entries.sorted(by: { ($0.batch, $0.index) < ($1.batch, $1.index) }) {
            Layout.writeEvent(rows.batches[Int(entry.batch)], Int(entry.index), into: &buffer)
        }
    }
}
