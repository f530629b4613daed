/// The distinct groups of one request (resources, scopes, metrics), each the encoded body of
/// its protobuf message, numbered in the order they first came and found again by hash.
///
///     bytes: │0a 17 0a 0c service.name 12 07 0a 05 api│0a 17 …│     ends: [25, 50]
///
/// A hash → group table, with a chain for the (rare) groups that share a hash, as
/// `LokiStreamIndex` does for stream labels.
struct OpenTelemetryGroupTable: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var first: [UInt64: UInt32] = [:]
    /// The next group with the same hash, per group; `UInt32.max` ends the chain.
    private var next: [UInt32] = []

    /// Calls `body` with the bytes of group `n`.
    func withGroup<R>(_ n: UInt32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = n == 0 ? 0 : ends[Int(n) - 1]
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[Int(n)]])) }
    }

    /// The number of the group whose bytes are `group` (hashing to `hash`), added when new.
    mutating func intern(_ group: UnsafeRawBufferPointer, hash: UInt64) -> UInt32 {
        guard var n = first[hash] else {
            let added = append(group)
            first[hash] = added
            return added
        }
        while true {
            if withGroup(n, { $0.elementsEqual(group) }) { return n }
            guard next[Int(n)] != .max else { break }
            n = next[Int(n)]
        }
        let added = append(group)
        next[Int(n)] = added
        return added
    }

    private mutating func append(_ group: UnsafeRawBufferPointer) -> UInt32 {
        bytes.append(contentsOf: group)
        ends.append(bytes.count)
        next.append(.max)
        return UInt32(ends.count - 1)
    }
}
