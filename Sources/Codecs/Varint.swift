/// Base-128 varints as protobuf writes them (7 bits a byte, least significant first): the
/// remote-write and Loki request bodies, and the disk buffer's record formats.
public enum Varint {
    /// Bytes `value` takes.
    @inlinable @inline(__always)
    public static func size(_ value: UInt64) -> Int {
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    /// Appends `value` to `out`.
    @inlinable
    public static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// The varint at `offset` (advanced past it), reading no further than `end`; nil when it
    /// is cut short or longer than ten bytes.
    @inlinable
    public static func read<Bytes: RandomAccessCollection>(_ bytes: Bytes, at offset: inout Int, end: Int) -> UInt64?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}

extension RawWriter {
    /// Writes `value` as a varint (at most ten bytes).
    @inlinable @inline(__always)
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            write(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        write(UInt8(v))
    }
}
