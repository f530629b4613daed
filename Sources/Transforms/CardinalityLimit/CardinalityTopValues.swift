/// The most frequent values of one label among new series: a space-saving counter
/// (Metwally et al. 2005) of `capacity` entries. A value that takes the place of the least
/// counted one inherits its count as `error`, so `count - error` is a sure lower bound.
struct CardinalityTopValues: Sendable {
    struct Entry: Sendable {
        var hash: UInt64
        /// The value bytes, cut at `maxValueBytes`.
        var value: [UInt8]
        var count: Int
        var error: Int
    }

    static let capacity = 10
    static let maxValueBytes = 128
    private(set) var entries: [Entry] = []

    /// Counts one new series whose label has `value` (hashed to `hash`).
    mutating func add(_ hash: UInt64, _ value: UnsafeRawBufferPointer) {
        if let i = entries.firstIndex(where: { $0.hash == hash }) {
            entries[i].count += 1
            return
        }
        let cut = UnsafeRawBufferPointer(rebasing: value.prefix(Self.maxValueBytes))
        guard entries.count == Self.capacity else {
            entries.append(Entry(hash: hash, value: Array(cut), count: 1, error: 0))
            return
        }
        let least = entries.indices.min { entries[$0].count < entries[$1].count }!
        entries[least].hash = hash
        entries[least].value.removeAll(keepingCapacity: true)
        entries[least].value.append(contentsOf: cut)
        entries[least].error = entries[least].count
        entries[least].count += 1
    }

    /// The `n` values with the most series for sure, most first, as (value, at least this many series).
    func top(_ n: Int) -> [(value: [UInt8], series: Int)] {
        entries.map { ($0.value, $0.count - $0.error) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.lexicographicallyPrecedes($1.0) }
            .prefix(n).map { (value: $0.0, series: $0.1) }
    }
}
