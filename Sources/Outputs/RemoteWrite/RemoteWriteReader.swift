import Codecs
import Pipeline

/// Reads back a `WriteRequest` this output encoded (`RemoteWriteEncoder`), for a request
/// replayed from the disk buffer: where each `TimeSeries` and each of its samples is, so a
/// 413 can be split by slicing bytes, and the samples themselves, for a dead letter.
///
/// ```
/// 0a len ─ TimeSeries ─┬─ 0a len <Label>     label fields, copied as they are
///                      └─ 12 len <Sample>    one item each, in request order
/// ```
/// Only what the encoder writes is accepted (fields 1 and 2, length-delimited, inside
/// bounds); anything else is `nil`, which the caller treats as a damaged record.
struct RemoteWriteReader {
    /// One `TimeSeries`: the byte ranges (in the protobuf) of its label fields and of each
    /// of its sample fields, tag and length included.
    struct Series {
        var labels: Range<Int>
        var samples: [Range<Int>]
    }

    let bytes: [UInt8]
    private(set) var series: [Series] = []

    /// Scans `bytes`; nil when they are not a `WriteRequest` as the encoder writes one.
    init?(_ bytes: [UInt8]) {
        self.bytes = bytes
        var offset = 0
        while offset < bytes.count {
            guard let (field, body) = Self.field(bytes, at: &offset, end: bytes.count), field == 0x0A,
                  let one = Self.series(bytes, body) else { return nil }
            series.append(one)
        }
    }

    /// Samples in the request.
    var sampleCount: Int { series.reduce(0) { $0 + $1.samples.count } }

    /// The samples in `bytes`, checked as `init?` checks them but without indexing every
    /// series (no allocation): what reading a stored record back costs per sample.
    static func sampleCount(_ bytes: [UInt8]) -> Int? {
        var offset = 0, count = 0
        while offset < bytes.count {
            guard let (field, body) = Self.field(bytes, at: &offset, end: bytes.count), field == 0x0A else { return nil }
            var inner = body.lowerBound, samples = 0
            while inner < body.upperBound {
                guard let (tag, _) = Self.field(bytes, at: &inner, end: body.upperBound) else { return nil }
                switch tag {
                case 0x0A where samples == 0: continue
                case 0x12: samples += 1
                default: return nil
                }
            }
            count += samples
        }
        return count
    }

    private static func series(_ bytes: [UInt8], _ range: Range<Int>) -> Series? {
        var offset = range.lowerBound
        var labelsEnd = offset
        var samples: [Range<Int>] = []
        while offset < range.upperBound {
            let start = offset
            guard let (field, _) = field(bytes, at: &offset, end: range.upperBound) else { return nil }
            switch field {
            case 0x0A where samples.isEmpty: labelsEnd = offset  // the encoder writes labels first
            case 0x12: samples.append(start..<offset)
            default: return nil
            }
        }
        return Series(labels: range.lowerBound..<labelsEnd, samples: samples)
    }

    /// Reads one length-delimited field at `offset` (moved past it): its tag and its body.
    private static func field(_ bytes: [UInt8], at offset: inout Int, end: Int) -> (UInt8, Range<Int>)? {
        guard offset < end else { return nil }
        let tag = bytes[offset]
        offset += 1
        guard let length = Varint.read(bytes, at: &offset, end: end), length <= UInt64(end - offset) else { return nil }
        let body = offset..<(offset + Int(length))
        offset = body.upperBound
        return (tag, body)
    }

    /// The protobuf of the samples `items` (ascending, numbered in request order): whole
    /// series are copied as they are; a series cut in two gets its label fields and the
    /// chosen sample fields under a new length. Nothing is decoded or encoded again.
    func subset(_ items: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        var next = items.startIndex
        var first = 0  // item number of the series' first sample
        for one in series {
            var picked: [Range<Int>] = []
            while next < items.endIndex, items[next] < first + one.samples.count {
                picked.append(one.samples[items[next] - first])
                next += 1
            }
            first += one.samples.count
            guard !picked.isEmpty else { continue }
            let content = one.labels.count + picked.reduce(0) { $0 + $1.count }
            out.append(0x0A)
            Varint.append(UInt64(content), to: &out)
            out.append(contentsOf: bytes[one.labels])
            for sample in picked { out.append(contentsOf: bytes[sample]) }
        }
        return out
    }

    /// The samples as metric events (kind `gauge`: remote-write 1.0 does not carry the kind),
    /// in request order; nil when a label or sample does not decode.
    func metrics() -> MetricBatch? {
        var batch = MetricBatch(capacity: sampleCount)
        for one in series {
            var labels: [(String, String)] = []
            var offset = one.labels.lowerBound
            while offset < one.labels.upperBound {
                guard let (_, body) = Self.field(bytes, at: &offset, end: one.labels.upperBound),
                      let pair = self.label(body) else { return nil }
                labels.append(pair)
            }
            let name = labels.first { $0.0 == "__name__" }?.1 ?? ""
            labels.removeAll { $0.0 == "__name__" }
            for sample in one.samples {
                guard let (value, timestamp) = self.sample(sample) else { return nil }
                batch.append(name: name, labels: labels, value: value, timestamp: timestamp, kind: .gauge)
            }
        }
        return batch
    }

    private func label(_ range: Range<Int>) -> (String, String)? {
        var offset = range.lowerBound
        var name = "", value = ""
        while offset < range.upperBound {
            guard let (tag, body) = Self.field(bytes, at: &offset, end: range.upperBound) else { return nil }
            let text = String(decoding: bytes[body], as: UTF8.self)
            if tag == 0x0A { name = text } else if tag == 0x12 { value = text } else { return nil }
        }
        return (name, value)
    }

    /// The value and timestamp of the sample field at `range` (tag and length included).
    private func sample(_ range: Range<Int>) -> (Double, Int64)? {
        var offset = range.lowerBound
        guard Self.field(bytes, at: &offset, end: range.upperBound) != nil else { return nil }
        offset = range.lowerBound + 1
        _ = Varint.read(bytes, at: &offset, end: range.upperBound)
        var value = 0.0, timestamp: Int64 = 0
        while offset < range.upperBound {
            let tag = bytes[offset]
            offset += 1
            switch tag {
            case 0x09:
                guard offset + 8 <= range.upperBound else { return nil }
                var bits: UInt64 = 0
                for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
                value = Double(bitPattern: bits)
                offset += 8
            case 0x10:
                guard let v = Varint.read(bytes, at: &offset, end: range.upperBound) else { return nil }
                timestamp = Int64(bitPattern: v)
            default:
                return nil
            }
        }
        return (value, timestamp)
    }
}
