import Pipeline

/// Direct read access to a metric batch's rows, labels and bytes for the length of one call,
/// so the per-sample loop retains nothing and builds no `String`.
struct CardinalityBatchView {
    let raw: UnsafeRawBufferPointer
    let base: Int
    let records: UnsafeBufferPointer<MetricRecord>
    let labels: UnsafeBufferPointer<LabelRecord>

    /// Calls `body` with a view of `batch`.
    static func with<R>(_ batch: MetricBatch, _ body: (CardinalityBatchView) throws -> R) rethrows -> R {
        try batch.arena.withUnsafeReadableBytes { raw in
            try batch.records.withUnsafeBufferPointer { records in
                try batch.labels.withUnsafeBufferPointer { labels in
                    try body(CardinalityBatchView(raw: raw, base: batch.arena.readerIndex, records: records, labels: labels))
                }
            }
        }
    }

    /// The bytes of `span`.
    @inline(__always)
    func bytes(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        let start = Int(span.offset) - base
        return UnsafeRawBufferPointer(rebasing: raw[start..<(start + Int(span.length))])
    }

    /// The labels of sample `i`, in stored order.
    @inline(__always)
    func labels(of i: Int) -> UnsafeBufferPointer<LabelRecord> {
        let record = records[i]
        return UnsafeBufferPointer(rebasing: labels[Int(record.labelStart)..<Int(record.labelStart + record.labelCount)])
    }

    /// The label of sample `i` named `name`, if it has one.
    func label(_ name: [UInt8], of i: Int) -> LabelRecord? {
        name.withUnsafeBytes { wanted in
            labels(of: i).first { bytes($0.name).elementsEqual(wanted) }
        }
    }
}
