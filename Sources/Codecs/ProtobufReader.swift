/// One field of a protobuf message as `ProtobufReader` reads it off the wire.
package struct ProtobufField {
    /// The field number.
    package let number: UInt32
    /// The value: its wire type decides which case.
    package let value: Value

    /// A field value before its schema type is applied.
    package enum Value {
        /// Wire type 0: int32/int64/uint*/bool/enum (sint* are zigzag, see `zigzag`).
        case varint(UInt64)
        /// Wire type 1: fixed64, sfixed64, double.
        case fixed64(UInt64)
        /// Wire type 5: fixed32, sfixed32, float.
        case fixed32(UInt32)
        /// Wire type 2: bytes, string, an embedded message or a packed repeated field, as a
        /// range of the reader's buffer.
        case bytes(Range<Int>)
    }

    /// The varint value, or nil for another wire type.
    @inlinable package var varint: UInt64? {
        if case .varint(let v) = value { return v }
        return nil
    }

    /// The 64-bit fixed value, or nil for another wire type.
    @inlinable package var fixed64: UInt64? {
        if case .fixed64(let v) = value { return v }
        return nil
    }

    /// The byte range of a length-delimited value, or nil for another wire type.
    @inlinable package var bytes: Range<Int>? {
        if case .bytes(let r) = value { return r }
        return nil
    }

    /// The value as a double (`fixed64` bits), or nil for another wire type.
    @inlinable package var double: Double? { fixed64.map(Double.init(bitPattern:)) }

    /// Decodes a zigzag varint (sint32, sint64).
    @inlinable package static func zigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1))) }
}

/// Walks the fields of one protobuf message in a byte buffer, without a schema and without
/// allocating: each `next()` gives a field number and its raw value; embedded messages are
/// byte ranges to read with a reader of their own (`reader(for:)`).
///
/// Malformed input (a cut-short varint or length, an unknown wire type, a group) makes
/// `next()` throw, so a caller tells a truncated body from the end of a message.
package struct ProtobufReader {
    /// The buffer the ranges index into; it must outlive the reader.
    package let buffer: UnsafeRawBufferPointer
    /// Where the next field starts.
    package private(set) var offset: Int
    /// Where this message ends.
    package let end: Int

    /// A reader of the whole of `buffer`.
    package init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        offset = 0
        end = buffer.count
    }

    /// A reader of `range` of `buffer`.
    package init(_ buffer: UnsafeRawBufferPointer, range: Range<Int>) {
        self.buffer = buffer
        offset = range.lowerBound
        end = range.upperBound
    }

    /// A reader of the embedded message at `range` of the same buffer.
    @inlinable package func reader(for range: Range<Int>) -> ProtobufReader { ProtobufReader(buffer, range: range) }

    /// Why a message could not be read.
    package struct Malformed: Error, CustomStringConvertible {
        /// Offset in the buffer where reading failed.
        package let offset: Int
        package let reason: String
        package var description: String { "malformed protobuf at byte \(offset): \(reason)" }

        package init(offset: Int, reason: String) {
            self.offset = offset
            self.reason = reason
        }
    }

    /// The next field, or nil at the end of the message.
    package mutating func next() throws(Malformed) -> ProtobufField? {
        guard offset < end else { return nil }
        let start = offset
        guard let key = readVarint() else { throw Malformed(offset: start, reason: "truncated field key") }
        let number = UInt32(truncatingIfNeeded: key >> 3)
        guard number > 0, key >> 3 <= 0x1FFF_FFFF else { throw Malformed(offset: start, reason: "field number \(key >> 3)") }
        switch key & 7 {
        case 0:
            guard let v = readVarint() else { throw Malformed(offset: start, reason: "truncated varint of field \(number)") }
            return ProtobufField(number: number, value: .varint(v))
        case 1:
            guard end - offset >= 8 else { throw Malformed(offset: start, reason: "truncated fixed64 of field \(number)") }
            let v = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
            return ProtobufField(number: number, value: .fixed64(v))
        case 2:
            guard let length = readVarint(), length <= UInt64(end - offset) else {
                throw Malformed(offset: start, reason: "length of field \(number) runs past the end")
            }
            let range = offset..<(offset + Int(length))
            offset = range.upperBound
            return ProtobufField(number: number, value: .bytes(range))
        case 5:
            guard end - offset >= 4 else { throw Malformed(offset: start, reason: "truncated fixed32 of field \(number)") }
            let v = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            offset += 4
            return ProtobufField(number: number, value: .fixed32(v))
        default:
            throw Malformed(offset: start, reason: "wire type \(key & 7) of field \(number)")
        }
    }

    /// The bytes at `range` of the buffer.
    @inlinable package func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[range])
    }

    /// The bytes at `range` as a string (UTF-8, invalid sequences repaired); off hot paths.
    package func string(_ range: Range<Int>) -> String { String(decoding: slice(range), as: UTF8.self) }

    /// Calls `body` with each element of a packed repeated varint field at `range` (or the
    /// single value of an unpacked one, when the caller passes a varint field's value).
    package func forEachPackedVarint(_ range: Range<Int>, _ body: (UInt64) -> Void) throws(Malformed) {
        var inner = reader(for: range)
        while inner.offset < inner.end {
            guard let v = inner.readVarint() else { throw Malformed(offset: inner.offset, reason: "truncated packed varint") }
            body(v)
        }
    }

    /// Calls `body` with each element of a packed repeated 64-bit fixed field at `range`.
    package func forEachPackedFixed64(_ range: Range<Int>, _ body: (UInt64) -> Void) throws(Malformed) {
        guard range.count % 8 == 0 else { throw Malformed(offset: range.lowerBound, reason: "packed fixed64 of \(range.count) bytes") }
        var at = range.lowerBound
        while at < range.upperBound {
            body(UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            at += 8
        }
    }

    @inline(__always)
    private mutating func readVarint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end, shift < 64 {
            let byte = buffer[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
