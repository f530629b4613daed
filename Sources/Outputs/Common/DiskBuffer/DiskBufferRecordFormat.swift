import Codecs

/// How a record is laid out in a segment file: a 32-byte header, the payload, the metadata.
///
///      0       4       8               16      20      24      28      32
///      +-------+-------+---------------+-------+-------+-------+-------+---------+----------+
///      | magic | events| written at    |payload| meta- |  crc  | head  | payload | metadata |
///      | PDBR  |  u32  | i64, Unix ns  |  len  | data  |       |  crc  |         |          |
///      |       |       |               |  u32  |len u32|       |       |         |          |
///      +-------+-------+---------------+-------+-------+-------+-------+---------+----------+
///
/// Integers are little-endian. `crc` is CRC32C over bytes 0..<24, the payload and the metadata;
/// `head crc` is CRC32C over bytes 0..<28. The head crc lets a reader trust the lengths before
/// reading the body, and lets a scan for the next record after damage ("resynchronisation")
/// tell a real header from payload bytes that happen to spell `PDBR`; `crc` catches a damaged body.
enum DiskBufferRecordFormat {
    /// Bytes before the payload.
    static let headerBytes = 32
    /// `PDBR` (pipectl disk buffer record) read as a little-endian `UInt32`.
    static let magic: UInt32 = 0x5242_4450

    /// The record's bytes, header first; throws when it is larger than `limit` or its event
    /// count does not fit the header (all sums overflow-checked).
    static func encode(_ record: DiskBufferRecord, writtenAt: Int64, limit: Int) throws -> [UInt8] {
        guard let events = UInt32(exactly: record.events) else {
            throw DiskBufferError.invalidRecord("\(record.events) events is outside 0...\(UInt32.max)")
        }
        let (body, overflow) = record.payload.count.addingReportingOverflow(record.metadata.count)
        let (total, overflowTotal) = body.addingReportingOverflow(headerBytes)
        guard !overflow, !overflowTotal, total <= limit,
              let payloadLength = UInt32(exactly: record.payload.count),
              let metadataLength = UInt32(exactly: record.metadata.count) else {
            throw DiskBufferError.recordTooLarge(bytes: overflow || overflowTotal ? Int.max : total, limit: limit)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(total)
        appendFields(events: events, writtenAt: writtenAt, payloadLength: payloadLength,
                     metadataLength: metadataLength, to: &bytes)
        var crc = CRC32C()
        crc.update(bytes)
        crc.update(record.payload)
        crc.update(record.metadata)
        append(crc.value, to: &bytes)
        append(CRC32C.checksum(bytes), to: &bytes)
        bytes += record.payload
        bytes += record.metadata
        return bytes
    }

    /// The header in `bytes` (at least `headerBytes` long), or nil unless its magic and head crc are right.
    static func decodeHeader(_ bytes: UnsafeRawBufferPointer) -> DiskBufferRecordHeader? {
        guard bytes.count >= headerBytes, load(UInt32.self, bytes, 0) == magic else { return nil }
        var headCRC = CRC32C()
        headCRC.update(UnsafeRawBufferPointer(rebasing: bytes[0..<28]))
        guard headCRC.value == load(UInt32.self, bytes, 28) else { return nil }
        return DiskBufferRecordHeader(
            events: Int(load(UInt32.self, bytes, 4)),
            writtenAt: Int64(bitPattern: load(UInt64.self, bytes, 8)),
            payloadLength: Int(load(UInt32.self, bytes, 16)),
            metadataLength: Int(load(UInt32.self, bytes, 20)),
            crc: load(UInt32.self, bytes, 24))
    }

    /// Whether `payload` and `metadata` are the body `header` describes (lengths and crc).
    static func matches(_ header: DiskBufferRecordHeader, payload: [UInt8], metadata: [UInt8]) -> Bool {
        guard payload.count == header.payloadLength, metadata.count == header.metadataLength else { return false }
        var fields = [UInt8]()
        appendFields(events: UInt32(header.events), writtenAt: header.writtenAt,
                     payloadLength: UInt32(header.payloadLength), metadataLength: UInt32(header.metadataLength),
                     to: &fields)
        var crc = CRC32C()
        crc.update(fields)
        crc.update(payload)
        crc.update(metadata)
        return crc.value == header.crc
    }

    /// Bytes 0..<24: magic, events, written at, payload length, metadata length.
    private static func appendFields(events: UInt32, writtenAt: Int64, payloadLength: UInt32,
                                     metadataLength: UInt32, to bytes: inout [UInt8]) {
        append(magic, to: &bytes)
        append(events, to: &bytes)
        append(UInt64(bitPattern: writtenAt), to: &bytes)
        append(payloadLength, to: &bytes)
        append(metadataLength, to: &bytes)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ offset: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// A record header whose magic and head crc checked out.
struct DiskBufferRecordHeader: Equatable {
    var events: Int
    /// Unix nanoseconds when the record was appended.
    var writtenAt: Int64
    var payloadLength: Int
    var metadataLength: Int
    /// CRC32C over header bytes 0..<24, payload and metadata.
    var crc: UInt32

    /// Header, payload and metadata.
    var recordBytes: Int { DiskBufferRecordFormat.headerBytes + payloadLength + metadataLength }
}
