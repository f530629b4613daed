import Pipeline

/// 64-bit series identities for `cardinality_limit`, hashed straight from a batch's bytes.
///
/// A series is its name plus its labels in any order: the name's hash plus the *sum* of one
/// mixed hash per label pair, so labels need no sorting and no `String` is built. Two series
/// sharing a 64-bit hash are taken for one (the second passes, or is dropped, with the first):
/// with n tracked series the chance of any such pair is about n²/2⁶⁵ (3·10⁻⁸ at a million).
/// The per-stage random `seed` varies the identities from run to run; it is applied after the
/// byte hash, so values crafted to collide in that hash still collide (not for hostile input).
struct CardinalitySeriesHash: Sendable {
    let seed: UInt64

    /// The identity of sample `i`.
    func series(_ view: MetricBatchView, _ i: Int) -> UInt64 {
        var h = Self.mix(seed ^ MetricSeriesIndex.hash(view.bytes(view.records[i].name)))
        for label in view.labels(of: i) {
            h &+= pair(name: view.bytes(label.name), value: view.bytes(label.value))
        }
        return h
    }

    /// The hash of one label pair (name and value kept apart, so `a="bc"` ≠ `ab="c"`).
    func pair(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> UInt64 {
        Self.mix((seed &+ MetricSeriesIndex.hash(name)) &* 0x9E37_79B9_7F4A_7C15 ^ MetricSeriesIndex.hash(value))
    }

    /// The hash of sample `i`'s `by` group: its values of the `by` labels, in `by` order
    /// (a missing label counts as empty).
    func group(_ view: MetricBatchView, _ i: Int, by: [[UInt8]]) -> UInt64 {
        var h = seed
        for name in by {
            let value = view.label(name, of: i).map { view.bytes($0.value) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            h = Self.mix(h ^ MetricSeriesIndex.hash(value))
        }
        return h
    }

    /// The hash of `bytes` alone (label values in the growth report).
    func value(_ bytes: UnsafeRawBufferPointer) -> UInt64 { Self.mix(seed ^ MetricSeriesIndex.hash(bytes)) }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        z = z &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 29)
    }
}
