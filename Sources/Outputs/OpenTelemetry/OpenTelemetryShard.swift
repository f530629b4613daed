/// The events of one lane waiting for their request (`DeliveryShard`): each rendered record
/// copied once into the shard's `records`, its groups numbered as they come; at `take()` the
/// entries are sorted into request order and encoded.
struct OpenTelemetryShard<Layout: OpenTelemetryLayout>: DeliveryShard {
    private let rendered: OpenTelemetryRendered
    private let compressor: OpenTelemetryCompressor
    /// Whether each batch holds its acknowledgements once more for every request it is in,
    /// released when that request is stored (disk buffer); a memory buffer holds none.
    private let holdsAcknowledgements: Bool
    private var rows = OpenTelemetryRows<Layout.Batch>()
    private var entries: [OpenTelemetryEntry] = []
    /// The source id of `rows.batches.last`, so each batch is held once.
    private var lastSourceID = -1

    init(rendered: OpenTelemetryRendered, compressor: OpenTelemetryCompressor, holdsAcknowledgements: Bool = false) {
        self.rendered = rendered
        self.compressor = compressor
        self.holdsAcknowledgements = holdsAcknowledgements
    }

    mutating func append(_ i: Int, of source: Layout.Batch, sourceID: Int, key: UInt64) {
        if lastSourceID != sourceID {
            rows.batches.append(source)
            lastSourceID = sourceID
            if holdsAcknowledgements { Layout.acknowledgements(of: source).hold(1) }
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
