import NIOCore

/// Direct read access to a metric batch's rows, labels and arena bytes for the length of one
/// call (`with`), so a per-sample loop retains nothing and builds no `String`.
@frozen
public struct MetricBatchView {
    public let raw: UnsafeRawBufferPointer
    /// The arena offset `raw` starts at.
    public let base: Int
    public let records: UnsafeBufferPointer<MetricRecord>
    public let labels: UnsafeBufferPointer<LabelRecord>

    /// Calls `body` with a view of `batch`.
    @inlinable
    public static func with<R>(_ batch: MetricBatch, _ body: (MetricBatchView) throws -> R) rethrows -> R {
        try batch.arena.withUnsafeReadableBytes { raw in
            try batch.records.withUnsafeBufferPointer { records in
                try batch.labels.withUnsafeBufferPointer { labels in
                    try body(MetricBatchView(raw: raw, base: batch.arena.readerIndex, records: records, labels: labels))
                }
            }
        }
    }

    @inlinable
    init(raw: UnsafeRawBufferPointer, base: Int, records: UnsafeBufferPointer<MetricRecord>,
         labels: UnsafeBufferPointer<LabelRecord>) {
        self.raw = raw
        self.base = base
        self.records = records
        self.labels = labels
    }

    /// The bytes of `span`.
    @inlinable @inline(__always)
    public func bytes(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        let start = Int(span.offset) - base
        return UnsafeRawBufferPointer(rebasing: raw[start..<(start + Int(span.length))])
    }

    /// The labels of sample `index`, in stored order.
    @inlinable @inline(__always)
    public func labels(of index: Int) -> UnsafeBufferPointer<LabelRecord> {
        let record = records[index]
        return UnsafeBufferPointer(rebasing: labels[Int(record.labelStart)..<Int(record.labelStart + record.labelCount)])
    }
}
