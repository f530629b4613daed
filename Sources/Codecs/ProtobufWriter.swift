import NIOCore

/// Writes protobuf wire format by hand into a `ByteBuffer` (no generated code).
///
/// Nested messages are written with a length placeholder that is patched afterwards
/// (`beginMessage` / `endMessage`), so nothing is encoded twice.
public struct ProtobufWriter {
    public var buffer: ByteBuffer

    public init(buffer: ByteBuffer) { self.buffer = buffer }

    /// Field `number` as a length-delimited string or bytes (wire type 2).
    public mutating func writeBytes(_ number: Int, _ bytes: UnsafeRawBufferPointer) {
        writeVarint(UInt64(number << 3 | 2))
        writeVarint(UInt64(bytes.count))
        buffer.writeBytes(bytes)
    }

    /// Field `number` as a string.
    public mutating func writeString(_ number: Int, _ string: String) {
        var s = string
        s.withUTF8 { writeBytes(number, UnsafeRawBufferPointer($0)) }
    }

    /// Field `number` as a double (wire type 1).
    public mutating func writeDouble(_ number: Int, _ value: Double) {
        writeVarint(UInt64(number << 3 | 1))
        buffer.writeInteger(value.bitPattern, endianness: .little)
    }

    /// Field `number` as an int64 varint (wire type 0).
    public mutating func writeInt64(_ number: Int, _ value: Int64) {
        writeVarint(UInt64(number << 3))
        writeVarint(UInt64(bitPattern: value))
    }

    /// Starts nested message field `number`; returns the token `endMessage` needs.
    /// The length is reserved as a 5-byte padded varint (messages up to 4 GiB).
    public mutating func beginMessage(_ number: Int) -> Int {
        writeVarint(UInt64(number << 3 | 2))
        let at = buffer.writerIndex
        buffer.writeBytes([0x80, 0x80, 0x80, 0x80, 0x00] as [UInt8])
        return at
    }

    /// Patches the length of the message started at `token`.
    public mutating func endMessage(_ token: Int) {
        var length = UInt32(buffer.writerIndex - token - 5)
        for k in 0..<5 {
            var byte = UInt8(length & 0x7F)
            length >>= 7
            if k < 4 { byte |= 0x80 }
            buffer.setInteger(byte, at: token + k)
        }
    }

    /// A base-128 varint.
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.writeInteger(UInt8(v))
    }
}
