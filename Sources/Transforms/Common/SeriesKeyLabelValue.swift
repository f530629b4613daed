/// A label value inside a series key (the bytes `MetricSeriesIndex` maps to an id): its
/// length, two bytes little-endian, then the bytes, cut at `maxLength`.
///
///     [len lo][len hi][value bytes …]
///
/// `l2met` puts a label tag before each; `log_to_metric` writes one per label of the rule.
enum SeriesKeyLabelValue {
    /// Value bytes longer than this are cut (a label is a name, not a payload).
    static let maxLength = 1024

    /// Appends `value`, cut at `maxLength`.
    static func append(_ value: UnsafeRawBufferPointer, to key: inout [UInt8]) {
        let start = begin(in: &key)
        key.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[0..<min(value.count, maxLength)]))
        end(in: &key, from: start)
    }

    /// Reserves the length bytes of a value written in place; pass the result to `end`.
    static func begin(in key: inout [UInt8]) -> Int {
        key.append(0)
        key.append(0)
        return key.count - 2
    }

    /// Cuts the value begun at `start` to `maxLength` and writes its length.
    static func end(in key: inout [UInt8], from start: Int) {
        let length = min(key.count - start - 2, maxLength)
        key.removeLast(key.count - start - 2 - length)
        key[start] = UInt8(truncatingIfNeeded: length)
        key[start + 1] = UInt8(truncatingIfNeeded: length >> 8)
    }

    /// The byte range of the value whose length bytes are at `start`.
    static func range(in key: [UInt8], at start: Int) -> Range<Int> {
        let length = Int(key[start]) | Int(key[start + 1]) << 8
        return (start + 2)..<(start + 2 + length)
    }
}
