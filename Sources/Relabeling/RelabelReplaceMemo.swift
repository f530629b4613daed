import Codecs

/// The results of one `replace` rule for recent source values: whether it sets a label (the
/// regex matched and the target expanded to a valid name), and the name and value it sets. A
/// rule's result depends on the joined source value alone, and the values of a label repeat
/// from series to series (`dyno="web.1"` on every line of a page), so a hit skips the regex
/// and both expansions.
///
/// Direct-mapped on a hash of the value, 512 slots of `slotBytes` bytes each for the value,
/// name and value set; a result that does not fit is not remembered. All in two flat arrays,
/// so a lookup or a store allocates and retains nothing. One memo belongs to one rule in one
/// `RelabelWorkspace`.
struct RelabelReplaceMemo {
    private static let slots = 512
    /// Bytes of one slot: the source value, the name and the value set, together.
    static let slotBytes = 96

    private struct Entry {
        /// The source value's hash; 0 marks an empty slot.
        var hash: UInt64 = 0
        var keyLength: UInt16 = 0
        var nameLength: UInt16 = 0
        var valueLength: UInt16 = 0
        var applies = false
    }

    private var entries: [Entry]
    private var bytes: [UInt8]

    /// A memo with its slots, or (not `enabled`, for rules other than `replace`) none.
    init(enabled: Bool) {
        entries = [Entry](repeating: Entry(), count: enabled ? Self.slots : 0)
        bytes = [UInt8](repeating: 0, count: enabled ? Self.slots * Self.slotBytes : 0)
    }

    /// The slot holding `key`'s result; nil on a miss.
    func lookup(_ key: UnsafeRawBufferPointer) -> Int? {
        let (slot, hash) = Self.place(key)
        let entry = entries[slot]
        guard entry.hash == hash, Int(entry.keyLength) == key.count else { return nil }
        return bytes.withUnsafeBytes { ByteOrder.equal(Self.region(slot, 0, key.count, in: $0), key) } ? slot : nil
    }

    /// Calls `body` with the name and value the rule sets for the value of `slot`; nothing
    /// when the rule sets no label for it.
    @inline(__always)
    func withResult(_ slot: Int, _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        let entry = entries[slot]
        guard entry.applies else { return }
        let key = Int(entry.keyLength), name = Int(entry.nameLength)
        bytes.withUnsafeBytes {
            body(Self.region(slot, key, name, in: $0), Self.region(slot, key + name, Int(entry.valueLength), in: $0))
        }
    }

    /// Remembers `key`'s result, when it fits in a slot.
    mutating func store(_ key: UnsafeRawBufferPointer, applies: Bool, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        guard key.count + name.count + value.count <= Self.slotBytes else { return }
        let (slot, hash) = Self.place(key)
        entries[slot] = Entry(hash: hash, keyLength: UInt16(key.count), nameLength: UInt16(name.count),
                              valueLength: UInt16(value.count), applies: applies)
        bytes.withUnsafeMutableBytes { region in
            let base = slot * Self.slotBytes
            UnsafeMutableRawBufferPointer(rebasing: region[base...]).copyMemory(from: key)
            UnsafeMutableRawBufferPointer(rebasing: region[(base + key.count)...]).copyMemory(from: name)
            UnsafeMutableRawBufferPointer(rebasing: region[(base + key.count + name.count)...]).copyMemory(from: value)
        }
    }

    @inline(__always)
    private static func region(_ slot: Int, _ offset: Int, _ length: Int, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes.baseAddress! + slot * slotBytes + offset, count: length)
    }

    private static func place(_ key: UnsafeRawBufferPointer) -> (slot: Int, hash: UInt64) {
        let hash = ByteHash.mix(ByteHash.hash(key, seed: 0x7265_706C)) | 1  // 0 marks an empty slot
        return (Int(hash % UInt64(slots)), hash)
    }
}
