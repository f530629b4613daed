import Codecs
#if canImport(Glibc)
import Glibc
#endif

/// The read position: the first record not yet released, and the records after it that were
/// released out of order (several sender lanes confirm in any order), so a restart hands out
/// neither again.
///
/// Stored in the directory's `position` file:
///
///      0       4       8               16              24                          24+16n   28+16n
///      +-------+-------+---------------+---------------+-----------------------------+--------+
///      | magic | count | next segment  | next offset   | released: count ×            |  crc   |
///      | PDBP  | n u32 |     u64       |     u64       | (segment u64, offset u64)   |        |
///      +-------+-------+---------------+---------------+-----------------------------+--------+
///
/// Little-endian; `crc` is CRC32C over everything before it. A save writes `position.tmp`,
/// fsyncs it, renames it over `position` and fsyncs the directory, so a crash leaves the old
/// file or the new one, never a mix.
struct DiskBufferPosition: Equatable {
    /// The first record not yet released (or where the next append will go).
    var next: DiskBufferRecordID
    /// Records after `next` already released, ascending.
    var released: [DiskBufferRecordID]

    static let fileName = "position"
    /// `PDBP` read as a little-endian `UInt32`.
    private static let magic: UInt32 = 0x5042_4450
    /// A larger file is not a position file: released records are bounded by those in flight.
    private static let maxFileBytes = 1 << 20

    /// What `load` found.
    enum Loaded: Equatable {
        case missing
        case found(DiskBufferPosition)
        case unreadable(String)
    }

    /// Reads the position file in `directory`.
    static func load(_ directory: String, meter: DiskBufferReadMeter) -> Loaded {
        let path = directory + "/" + fileName
        guard access(path, F_OK) == 0 else { return .missing }
        do {
            let file = try DiskBufferFile(path: path, flags: O_RDONLY, meter: meter)
            let size = try file.size()
            guard size <= maxFileBytes else { return .unreadable("\(size) bytes is too large for a position file") }
            guard let position = decode(try file.read(size, at: 0)) else { return .unreadable("damaged position file") }
            return .found(position)
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Replaces the position file in `directory` atomically and durably.
    func save(_ directory: String, meter: DiskBufferReadMeter) throws {
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp"
        let file = try DiskBufferFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, meter: meter)
        try file.write(encode(), at: 0)
        try file.sync()
        try DiskBufferDirectory.rename(temporary, over: path)
        try DiskBufferDirectory.sync(directory)
    }

    /// The file's bytes.
    func encode() -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(28 + 16 * released.count)
        Self.append(Self.magic, to: &bytes)
        Self.append(UInt32(released.count), to: &bytes)
        for id in [next] + released {
            Self.append(id.segment, to: &bytes)
            Self.append(UInt64(id.offset), to: &bytes)
        }
        Self.append(CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    /// The position in `bytes`, or nil unless magic, length and crc are right.
    static func decode(_ bytes: [UInt8]) -> DiskBufferPosition? {
        bytes.withUnsafeBytes { raw -> DiskBufferPosition? in
            guard raw.count >= 28, load(UInt32.self, raw, 0) == magic else { return nil }
            let count = Int(load(UInt32.self, raw, 4))
            guard count <= (raw.count - 28) / 16, raw.count == 28 + 16 * count else { return nil }
            var crc = CRC32C()
            crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)]))
            guard crc.value == load(UInt32.self, raw, raw.count - 4) else { return nil }
            let ids = (0...count).compactMap { i -> DiskBufferRecordID? in
                guard let offset = Int(exactly: load(UInt64.self, raw, 16 + 16 * i)) else { return nil }
                return DiskBufferRecordID(segment: load(UInt64.self, raw, 8 + 16 * i), offset: offset)
            }
            guard ids.count == count + 1 else { return nil }
            return DiskBufferPosition(next: ids[0], released: Array(ids.dropFirst()))
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ offset: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
