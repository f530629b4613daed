/// One stored request: what the output needs to send it again, dead-letter it or split it.
///
/// The buffer keeps the encoded, compressed body as the encoder made it (vmagent's persistent
/// queue does the same), so replay never re-encodes.
package struct DiskBufferRecord: Sendable, Equatable {
    /// Events the request carries, for counters and shutdown accounting (at most `UInt32.max`).
    package var events: Int
    /// The encoded (compressed) body; opaque to the buffer.
    package var payload: [UInt8]
    /// What the output needs besides the body (item boundaries, headers); opaque to the buffer.
    package var metadata: [UInt8]

    package init(events: Int, payload: [UInt8], metadata: [UInt8] = []) {
        self.events = events
        self.payload = payload
        self.metadata = metadata
    }
}

/// Where a record is stored: its segment and the byte offset of its header there.
///
/// Every append gets a larger ID than the one before, so IDs order records; the buffer's read
/// position is the ID of the first record not yet released.
package struct DiskBufferRecordID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The segment file's number (`00000000000000000001.seg` is 1).
    package let segment: UInt64
    /// Byte offset of the record's header in that file.
    package let offset: Int

    package init(segment: UInt64, offset: Int) {
        self.segment = segment
        self.offset = offset
    }

    package static func < (a: Self, b: Self) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }

    package var description: String { "segment \(segment) offset \(offset)" }
}
