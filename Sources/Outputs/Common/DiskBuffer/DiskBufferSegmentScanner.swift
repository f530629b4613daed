/// Reads a segment's records where they lie: one header, one record or one 64KiB window at a
/// time, never a whole segment, so memory stays flat however large the backlog is.
///
/// Damage is found two ways. A header that is cut short, fails its head crc, or promises more
/// bytes than the segment holds starts a damaged stretch: the scan resynchronises at the next
/// intact header (magic, head crc, and a record that fits), so records after the damage are
/// still delivered. An intact header whose body fails `crc` is one corrupt record, skipped by
/// its trusted length.
enum DiskBufferSegmentScanner {
    /// Bytes read per step while looking for the next intact header.
    static let windowBytes = 64 * 1024

    private static var headerBytes: Int { DiskBufferRecordFormat.headerBytes }

    /// The header at `offset` if it is intact and its record ends by `end`.
    static func header(in file: DiskBufferFile, at offset: Int, end: Int) throws -> DiskBufferRecordHeader? {
        guard end - offset >= headerBytes else { return nil }
        let bytes = try file.read(headerBytes, at: offset)
        guard let header = bytes.withUnsafeBytes(DiskBufferRecordFormat.decodeHeader),
              header.recordBytes <= end - offset else { return nil }
        return header
    }

    /// The record whose intact `header` is at `offset`, or nil when its body fails the crc.
    static func record(in file: DiskBufferFile, at offset: Int,
                       header: DiskBufferRecordHeader) throws -> DiskBufferRecord? {
        let payloadOffset = offset + headerBytes
        let payload = try file.read(header.payloadLength, at: payloadOffset)
        let metadata = header.metadataLength == 0
            ? [] : try file.read(header.metadataLength, at: payloadOffset + header.payloadLength)
        guard DiskBufferRecordFormat.matches(header, payload: payload, metadata: metadata) else { return nil }
        return DiskBufferRecord(events: header.events, payload: payload, metadata: metadata)
    }

    /// Where the first intact header after `offset` (the start of damage) begins, or `end`.
    static func resynchronise(in file: DiskBufferFile, after offset: Int, end: Int) throws -> Int {
        var start = offset + 1
        while end - start >= headerBytes {
            let window = try file.read(min(windowBytes, end - start), at: start)
            guard window.count >= headerBytes else { return end }
            let found = window.withUnsafeBytes { bytes -> Int? in
                for i in 0...(bytes.count - headerBytes)
                where bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self) == DiskBufferRecordFormat.magic.littleEndian {
                    let candidate = UnsafeRawBufferPointer(rebasing: bytes[i..<(i + headerBytes)])
                    if let header = DiskBufferRecordFormat.decodeHeader(candidate),
                       header.recordBytes <= end - (start + i) {
                        return i
                    }
                }
                return nil
            }
            if let found { return start + found }
            // The next window overlaps this one by a header less one byte: a header across the seam is seen whole.
            start += window.count - headerBytes + 1
        }
        return end
    }

    /// Counts the intact records from `offset` to `end`, leaving out `released` ones, and calls
    /// `damaged(offset, bytes)` for each damaged stretch. Bodies are not read: the reader checks
    /// each body's crc when it hands the record out.
    static func walk(_ file: DiskBufferFile, segment: UInt64, from offset: Int, to end: Int,
                     released: Set<DiskBufferRecordID>,
                     damaged: (Int, Int) -> Void) throws -> (records: Int, events: Int) {
        var records = 0
        var events = 0
        var position = offset
        while position < end {
            if let header = try header(in: file, at: position, end: end) {
                if !released.contains(DiskBufferRecordID(segment: segment, offset: position)) {
                    records += 1
                    events += header.events
                }
                position += header.recordBytes
            } else {
                let resume = try resynchronise(in: file, after: position, end: end)
                damaged(position, resume - position)
                position = resume
            }
        }
        return (records, events)
    }
}
