#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps series keys (name and label bytes) to small integer ids, without allocating on lookup.
///
/// Open addressing with linear probing over a power-of-two slot array; each slot holds an id,
/// each id its 64-bit hash and key bytes, compared on a hash match (collisions are resolved,
/// never trusted). Removed ids go to a free list and come back on the next insert, so the
/// callers' per-series arrays stay dense. Shared by `l2met` and `log_to_metric`.
struct MetricSeriesIndex: Sendable {
    private static let empty: Int32 = -1
    private static let tombstone: Int32 = -2

    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var keys: [[UInt8]] = []
    private var free: [Int32] = []
    private var tombstones = 0
    /// Number of live series.
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Self.empty, count: size)
    }

    /// The key bytes of series `id`.
    func key(_ id: Int32) -> [UInt8] { keys[Int(id)] }

    /// The id of the series whose key is `key`, if present.
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[i]
            if id == Self.empty { return nil }
            if id >= 0, hashes[Int(id)] == hash, equal(keys[Int(id)], key) { return id }
            i = (i + 1) & mask
        }
    }

    /// Adds a series known to be absent and returns its id (a freed id when there is one).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32 {
        if (count + tombstones + 1) * 4 > slots.count * 3 { rehash() }
        let id: Int32
        if let reused = free.popLast() {
            id = reused
            hashes[Int(id)] = hash
            keys[Int(id)] = Array(key)
        } else {
            id = Int32(keys.count)
            hashes.append(hash)
            keys.append(Array(key))
        }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        if slots[i] == Self.tombstone { tombstones -= 1 }
        slots[i] = id
        count += 1
        return id
    }

    /// Removes series `id`; its id may be handed out again by `insert`.
    mutating func remove(_ id: Int32) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hashes[Int(id)]) & mask
        while slots[i] != id {
            guard slots[i] != Self.empty else { preconditionFailure("BUG: series \(id) not in its index") }
            i = (i + 1) & mask
        }
        slots[i] = Self.tombstone
        tombstones += 1
        keys[Int(id)] = []
        free.append(id)
        count -= 1
    }

    private mutating func rehash() {
        // Same size when tombstones filled the table, double when live series did.
        var size = slots.count
        while size < (count + 1) * 2 { size <<= 1 }
        slots = Array(repeating: Self.empty, count: size)
        tombstones = 0
        let mask = slots.count - 1
        let freed = Set(free)
        for id in 0..<Int32(keys.count) where !freed.contains(id) {
            var i = Int(truncatingIfNeeded: hashes[Int(id)]) & mask
            while slots[i] != Self.empty { i = (i + 1) & mask }
            slots[i] = id
        }
    }

    private func equal(_ stored: [UInt8], _ key: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == key.count else { return false }
        return stored.withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
    }

    /// A fast 64-bit hash of `bytes` (8 bytes per step, multiply-xorshift mixing).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            h = mix(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(h ^ tail)
        }
        return mix(h)
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        z = z &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 29)
    }
}
