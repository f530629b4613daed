import Codecs
import NIOCore
import Pipeline

/// The `le` (or `quantile`) labels of a histogram's (or summary's) samples, values printed as
/// Prometheus prints them (`0.005`, `1`, `+Inf`). Points of a metric usually share their
/// bounds, so the labels stored for the last bounds are reused while the bounds repeat.
/// Spans point into one batch: `reset` before decoding into another.
struct OTLPBoundLabels: Sendable {
    /// The label name: `le` or `quantile`.
    let name: StaticString
    /// The bounds whose labels are stored.
    private(set) var bounds: [Double] = []
    /// The label of each bound.
    private(set) var labels: [LabelRecord] = []
    /// `ByteHash.seriesLabel` of each label.
    private(set) var hashes: [UInt64] = []
    private var nameSpan: ByteSpan?
    private var text = ByteBuffer()
    /// Where each bound's text ends in `text`.
    private var ends: [Int] = []

    init(name: StaticString) {
        self.name = name
    }

    /// Forgets the stored labels (the next batch has other spans).
    mutating func reset() {
        bounds.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        nameSpan = nil
    }

    /// Makes `labels` those of `newBounds`, storing them in `batch` unless they are the last ones.
    mutating func use(_ newBounds: [Double], in batch: inout MetricBatch) {
        guard newBounds.count != bounds.count || !newBounds.elementsEqual(bounds, by: { $0.bitPattern == $1.bitPattern }) else { return }
        let nameBytes = UnsafeRawBufferPointer(name)
        let nameSpan = self.nameSpan ?? batch.store(nameBytes)
        self.nameSpan = nameSpan
        bounds.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        text.clear()
        ends.removeAll(keepingCapacity: true)
        for bound in newBounds {
            PrometheusText.writeValue(bound, into: &text)
            ends.append(text.readableBytes)
        }
        let base = Int(text.withUnsafeReadableBytes { batch.store($0) }.offset)
        text.withUnsafeReadableBytes { values in
            var start = 0
            for end in ends {
                labels.append(LabelRecord(name: nameSpan, value: ByteSpan(offset: base + start, length: end - start)))
                hashes.append(ByteHash.seriesLabel(name: nameBytes, value: UnsafeRawBufferPointer(rebasing: values[start..<end])))
                start = end
            }
        }
        bounds.append(contentsOf: newBounds)
    }
}
