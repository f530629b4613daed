import NIOCore

/// Appends protobuf fields to a `ByteBuffer`, for messages whose shape is known only as they
/// are written (OTLP requests): an embedded message is written in place and its length
/// put in front afterwards, so no scratch buffer is needed per message.
package struct ProtobufWriter {
    /// The encoded bytes so far.
    package var buffer: ByteBuffer

    package init(buffer: ByteBuffer = ByteBuffer()) { self.buffer = buffer }

    /// Writes a field key.
    @inlinable package mutating func key(_ field: UInt32, wireType: UInt32) {
        varint(UInt64(field << 3 | wireType))
    }

    /// Writes a bare varint.
    @inlinable package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.writeInteger(UInt8(v))
    }

    /// Writes a varint field (int32, int64, uint*, bool, enum); zero is written too, so a
    /// caller that follows proto3's "default is absent" skips it itself.
    @inlinable package mutating func varintField(_ field: UInt32, _ value: UInt64) {
        key(field, wireType: 0)
        varint(value)
    }

    /// Writes a fixed64 field (fixed64, sfixed64 as its bit pattern).
    @inlinable package mutating func fixed64Field(_ field: UInt32, _ value: UInt64) {
        key(field, wireType: 1)
        buffer.writeInteger(value, endianness: .little)
    }

    /// Writes a double field.
    @inlinable package mutating func doubleField(_ field: UInt32, _ value: Double) {
        fixed64Field(field, value.bitPattern)
    }

    /// Writes a fixed32 field.
    @inlinable package mutating func fixed32Field(_ field: UInt32, _ value: UInt32) {
        key(field, wireType: 5)
        buffer.writeInteger(value, endianness: .little)
    }

    /// Writes a bytes or string field.
    package mutating func bytesField(_ field: UInt32, _ bytes: UnsafeRawBufferPointer) {
        key(field, wireType: 2)
        varint(UInt64(bytes.count))
        buffer.writeBytes(bytes)
    }

    /// Writes a string field.
    package mutating func stringField(_ field: UInt32, _ string: String) {
        key(field, wireType: 2)
        varint(UInt64(string.utf8.count))
        buffer.writeString(string)
    }

    /// Writes an embedded message (or a packed repeated field) whose body `body` writes.
    package mutating func messageField(_ field: UInt32, _ body: (inout ProtobufWriter) throws -> Void) rethrows {
        key(field, wireType: 2)
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(UInt8(0))  // one byte for the length; moved over when it needs more
        let bodyStart = buffer.writerIndex
        try body(&self)
        let length = buffer.writerIndex - bodyStart
        let lengthBytes = Varint.size(UInt64(length))
        if lengthBytes > 1 {
            let extra = lengthBytes - 1
            buffer.writeRepeatingByte(0, count: extra)
            let readerIndex = buffer.readerIndex
            buffer.withUnsafeMutableReadableBytes { raw in
                let base = raw.baseAddress! - readerIndex
                (base + bodyStart + extra).copyMemory(from: base + bodyStart, byteCount: length)
            }
        }
        var v = UInt64(length)
        var at = lengthAt
        while v >= 0x80 {
            buffer.setInteger(UInt8(truncatingIfNeeded: v) | 0x80, at: at)
            v >>= 7
            at += 1
        }
        buffer.setInteger(UInt8(v), at: at)
    }
}
