import NIOCore
import Pipeline

/// One Loki push: its entries (rows of the batches they arrived in, in request order), the
/// streams they belong to, and the encoded, compressed body.
///
/// The batches are shared with the inbox copy-on-write, so holding them costs no copy; they
/// are released once the push is delivered or written off. `subset` encodes the picked
/// entries afresh (for splits), `writeEvents` writes them for the dead-letter file.
struct LokiPayload: LogDeliveryPayload {
    let batches: [LogBatch]
    let streams: LokiStreams
    /// The JSON lines (`line: json`); entries point into it.
    let lines: ByteBuffer
    /// Item i of the payload is `entries[startIndex + i]`.
    let entries: ArraySlice<LokiEntry>
    /// What to encode with again (a subset makes its own encoder).
    let format: LokiFormat
    /// The body, sent as is on every attempt.
    let body: ByteBuffer
    /// The uncompressed protobuf or JSON size.
    let size: Int

    /// Encodes `entries` (in request order) with `encoder`.
    init(batches: [LogBatch], streams: LokiStreams, lines: ByteBuffer, entries: ArraySlice<LokiEntry>, encoder: inout LokiEncoder) {
        self.batches = batches
        self.streams = streams
        self.lines = lines
        self.entries = entries
        format = encoder.format
        (body, size) = encoder.encodeCompressed(entries, streams: streams, lines: lines, batches: batches)
    }

    var eventCount: Int { entries.count }

    /// The entries at `items`, encoded again; a stream cut in two keeps its order because the
    /// items stay in request order and the driver sends the first part first.
    func subset(_ items: [Int]) -> LokiPayload {
        var encoder = LokiEncoder(format: format)
        let picked = items.map { entries[entries.startIndex + $0] }
        return LokiPayload(batches: batches, streams: streams, lines: lines, entries: picked[...], encoder: &encoder)
    }

    /// The events as NDJSON lines, in the order they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        let json = EventEncoder(encoding: .json)
        for entry in entries.sorted(by: { ($0.batch, $0.index) < ($1.batch, $1.index) }) {
            json.encodeLog(batches[Int(entry.batch)], Int(entry.index), into: &buffer)
        }
    }
}
