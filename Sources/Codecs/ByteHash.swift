/// Fast 64-bit hashes of bytes, for grouping and sharding (not for keys an attacker picks to
/// collide), and the order-independent hash of a series that remote-write and the scrape
/// stale tracking use.
package enum ByteHash {
    /// A hash of `bytes`, eight bytes at a time.
    @inlinable
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        let rest = bytes.count - i
        if rest > 0 {
            // 1–7 bytes in two (possibly overlapping) loads, as wyhash does; the length is in the seed.
            let tail: UInt64
            if rest >= 4 {
                tail = UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    | UInt64(bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) << 32
            } else {
                tail = UInt64(bytes[i]) | UInt64(bytes[i + rest / 2]) << 8 | UInt64(bytes[bytes.count - 1]) << 16
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        return h
    }

    /// The splitmix64 finaliser: spreads every input bit over the output.
    @inlinable
    package static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A series' hash starts as its name's; the hash of each label is added to it (wrapping),
    /// so the order labels come in does not change the result.
    @inlinable
    package static func seriesName(_ name: UnsafeRawBufferPointer) -> UInt64 {
        mix(hash(name, seed: 0x6E61_6D65))
    }

    /// What label `name`=`value` adds to its series' hash.
    @inlinable
    package static func seriesLabel(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> UInt64 {
        mix(hash(value, seed: hash(name, seed: 0x6C61_6265_6C)))
    }
}
