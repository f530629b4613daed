import Codecs
import NIOCore

/// What makes a log or metric request of the opentelemetry output: how a batch's events are
/// rendered (`OpenTelemetryRendered`), how grouped entries become an `Export*ServiceRequest`,
/// and how an event reads in the dead-letter file.
protocol OpenTelemetryLayout: Sendable {
    associatedtype Batch: Sendable
    /// What the signal's items are called in messages.
    static var itemName: String { get }
    /// Renders every event of `batch`; appends each one's shard key and its size in the
    /// request to `keys`.
    static func render(_ batch: Batch, into rendered: OpenTelemetryRendered, keys: inout [(key: UInt64, size: Int)])
    /// Writes the request of `entries` (in request order), whose records and groups are in `rows`.
    static func writeRequest(_ entries: ArraySlice<OpenTelemetryEntry>, _ rows: OpenTelemetryRows<Batch>,
                             into writer: inout ProtobufWriter)
    /// Appends event `index` of `batch` as an NDJSON line.
    static func writeEvent(_ batch: Batch, _ index: Int, into buffer: inout ByteBuffer)
}

/// What the entries of a request point into: the batches their events came from (shared
/// copy-on-write, so holding them costs no copy), the encoded records and the groups.
struct OpenTelemetryRows<Batch: Sendable>: Sendable {
    var batches: [Batch] = []
    var records = ByteBuffer()
    var outer = OpenTelemetryGroupTable()
    var inner = OpenTelemetryGroupTable()

    /// Calls `body` with the bytes of `entry`'s record.
    func withRecord<R>(_ entry: OpenTelemetryEntry, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        records.withUnsafeReadableBytes { body(UnsafeRawBufferPointer(rebasing: $0[entry.record])) }
    }
}

/// The events of one lane waiting for their request (`DeliveryShard`): each rendered record
/// copied once into the shard's `records`, its groups numbered as they come; at `take()` the
/// entries are sorted into request order and encoded.
struct OpenTelemetryShard<Layout: OpenTelemetryLayout>: DeliveryShard {
    private let rendered: OpenTelemetryRendered
    private let compressor: OpenTelemetryCompressor
    private var rows = OpenTelemetryRows<Layout.Batch>()
    private var entries: [OpenTelemetryEntry] = []
    /// The source id of `rows.batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(rendered: OpenTelemetryRendered, compressor: OpenTelemetryCompressor) {
        self.rendered = rendered
        self.compressor = compressor
    }

    mutating func append(_ i: Int, of source: Layout.Batch, sourceID: Int, key: UInt64) {
        if lastSourceID != sourceID {
            rows.batches.append(source)
            lastSourceID = sourceID
        }
        let outer = rendered.outer.withItem(i) { rows.outer.intern($0, hash: rendered.outer.hashes[i]) }
        let inner = rendered.inner.withItem(i) { rows.inner.intern($0, hash: rendered.inner.hashes[i]) }
        let offset = rows.records.writerIndex
        let length = rendered.records.withItem(i) { rows.records.writeBytes($0) }
        entries.append(OpenTelemetryEntry(outer: outer, inner: inner, batch: UInt32(rows.batches.count - 1), index: UInt32(i),
                                          offset: UInt32(offset), length: UInt32(length)))
    }

    /// The request of the pending events; the shard starts over.
    mutating func take() -> OpenTelemetryGroupedPayload<Layout> {
        var taken = entries
        entries = []
        entries.reserveCapacity(taken.count)
        taken.sort(by: OpenTelemetryEntry.requestOrder)
        let payload = OpenTelemetryGroupedPayload<Layout>(rows: rows, entries: taken[...], compressor: compressor)
        rows = OpenTelemetryRows()
        lastSourceID = -1
        return payload
    }
}

/// A log or metric request: its entries in request order, what they point into, and the
/// encoded, compressed body. `subset` encodes the picked entries afresh (splits);
/// `writeEvents` writes their events for the dead-letter file.
struct OpenTelemetryGroupedPayload<Layout: OpenTelemetryLayout>: OpenTelemetryPayload {
    static var itemName: String { Layout.itemName }

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

    /// The events as NDJSON lines, in the order they arrived.
    func writeEvents(into buffer: inout ByteBuffer) {
        for entry in entries.sorted(by: { ($0.batch, $0.index) < ($1.batch, $1.index) }) {
            Layout.writeEvent(rows.batches[Int(entry.batch)], Int(entry.index), into: &buffer)
        }
    }
}
