/// Every series `cardinality_limit` tracks, admitted or rejected: an open-addressing hash set
/// of 16-byte slots keyed by the series hash, with linear probing and a load of at most 3/4.
///
///     [hash: UInt64][window: UInt32][group << 1 | rejected: UInt32]
///
/// Hash 0 marks an empty slot (a series hashing to 0 is stored as 1). Nothing is removed one
/// by one: `retain` rebuilds the table once per window, which also shrinks it.
struct CardinalitySeriesTable: Sendable {
    struct Slot: Sendable {
        var hash: UInt64
        /// The window (counted from the stage's first) the series was last seen in.
        var window: UInt32
        var info: UInt32

        var group: Int { Int(info >> 1) }
        var rejected: Bool { info & 1 == 1 }
    }

    private var slots: [Slot]
    /// Series in the table.
    private(set) var count = 0

    init(capacity: Int = 16) {
        slots = Array(repeating: Slot(hash: 0, window: 0, info: 0), count: Self.size(for: capacity))
    }

    /// Bytes the table holds (its slot array).
    var storageBytes: Int { slots.count * MemoryLayout<Slot>.stride }

    /// The position of the series `hash`, if tracked.
    @inline(__always)
    func find(_ hash: UInt64) -> Int? {
        let key = max(hash, 1)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: key) & mask
        while true {
            let h = slots[i].hash
            if h == key { return i }
            if h == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// The slot at `position` (from `find`).
    subscript(position: Int) -> Slot {
        get { slots[position] }
        set { slots[position] = newValue }
    }

    /// Adds series `hash`, known to be absent.
    mutating func insert(_ hash: UInt64, window: UInt32, group: Int, rejected: Bool) {
        if (count + 1) * 4 > slots.count * 3 { rebuild(size: slots.count * 2) }
        place(Slot(hash: max(hash, 1), window: window, info: UInt32(group) << 1 | (rejected ? 1 : 0)))
        count += 1
    }

    /// Keeps the series for which `keep` returns true (it may also change them), in a table
    /// sized for them.
    mutating func retain(_ keep: (inout Slot) -> Bool) {
        var kept = 0
        for i in slots.indices where slots[i].hash != 0 {
            if keep(&slots[i]) { kept += 1 } else { slots[i].hash = 0 }
        }
        rebuild(size: Self.size(for: kept))
    }

    /// Calls `body` on every series, in place.
    mutating func update(_ body: (inout Slot) -> Void) {
        for i in slots.indices where slots[i].hash != 0 { body(&slots[i]) }
    }

    private mutating func rebuild(size: Int) {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, window: 0, info: 0), count: size)
        count = 0
        for slot in old where slot.hash != 0 {
            place(slot)
            count += 1
        }
    }

    private mutating func place(_ slot: Slot) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: slot.hash) & mask
        while slots[i].hash != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    /// The smallest power of two, at least 16, with room for `count` + 1 series at a load of 3/4.
    private static func size(for count: Int) -> Int {
        var size = 16
        while (count + 1) * 4 > size * 3 { size <<= 1 }
        return size
    }
}
