import Codecs

/// Shard keys: a 64-bit hash of what must stay in order (a series, a stream, a partition).
///
/// Outputs hash their key's bytes with `ByteHash` (Codecs), and `DeliveryShards` picks the
/// shard with `shard(of:count:)`.
package enum DeliveryShardKey {
    /// The shard of `key` among `count`.
    @inline(__always)
    package static func shard(of key: UInt64, count: Int) -> Int {
        Int(ByteHash.mix(key) % UInt64(count))
    }
}
