import Codecs

/// The results of one `replace` rule for recent source values: whether it sets a label (the
/// regex matched and the target expanded to a valid name), and the name and value it sets. A
/// rule's result depends on the joined source value alone, and the values of a label repeat
/// from series to series (`dyno="web.1"` on every line of a page), so a hit skips the regex
/// and both expansions.
///
/// Direct-mapped on a hash of the value, 512 slots; a slot keeps its arrays' capacity when it
/// is replaced, so a miss allocates nothing once the slots have grown. One memo belongs to
/// one rule in one `RelabelWorkspace`.
struct RelabelReplaceMemo {
    private static let slots = 512
    private var hashes: [UInt64]
    private var keys: [[UInt8]]
    private var applies: [Bool]
    /// The label name and value set for the value of a slot.
    private(set) var names: [[UInt8]]
    private(set) var values: [[UInt8]]

    /// A memo with its slots, or (not `enabled`, for rules other than `replace`) none.
    init(enabled: Bool) {
        let count = enabled ? Self.slots : 0
        hashes = [UInt64](repeating: 0, count: count)
        keys = [[UInt8]](repeating: [], count: count)
        applies = [Bool](repeating: false, count: count)
        names = [[UInt8]](repeating: [], count: count)
        values = [[UInt8]](repeating: [], count: count)
    }

    /// The slot holding `key`'s result; nil on a miss.
    func lookup(_ key: [UInt8]) -> Int? {
        let (slot, hash) = Self.place(key)
        return hashes[slot] == hash && keys[slot] == key ? slot : nil
    }

    /// Whether the rule sets a label (`names[slot]` to `values[slot]`) for the value of `slot`.
    func applies(_ slot: Int) -> Bool { applies[slot] }

    /// Remembers `key`'s result.
    mutating func store(_ key: [UInt8], applies: Bool, name: [UInt8], value: [UInt8]) {
        let (slot, hash) = Self.place(key)
        hashes[slot] = hash
        keys[slot].removeAll(keepingCapacity: true)
        keys[slot].append(contentsOf: key)
        self.applies[slot] = applies
        names[slot].removeAll(keepingCapacity: true)
        names[slot].append(contentsOf: name)
        values[slot].removeAll(keepingCapacity: true)
        values[slot].append(contentsOf: value)
    }

    private static func place(_ key: [UInt8]) -> (slot: Int, hash: UInt64) {
        let hash = key.withUnsafeBytes { ByteHash.mix(ByteHash.hash($0, seed: 0x7265_706C)) } | 1  // 0 marks an empty slot
        return (Int(hash % UInt64(slots)), hash)
    }
}
