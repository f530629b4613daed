import Codecs

/// A known OTLP field's value with the wire type its schema gives it; any other wire type
/// makes the request malformed (rather than the field silently skipped).
extension ProtobufField {
    /// The range of a string, bytes, embedded message or packed field.
    func lengthDelimited(at offset: Int) throws(ProtobufReader.Malformed) -> Range<Int> {
        guard case .bytes(let r) = value else { throw wrongWireType(at: offset, "length-delimited") }
        return r
    }

    /// A fixed64, sfixed64 or double value's bits.
    func fixed64Bits(at offset: Int) throws(ProtobufReader.Malformed) -> UInt64 {
        guard case .fixed64(let v) = value else { throw wrongWireType(at: offset, "fixed64") }
        return v
    }

    /// A fixed32 value.
    func fixed32Bits(at offset: Int) throws(ProtobufReader.Malformed) -> UInt32 {
        guard case .fixed32(let v) = value else { throw wrongWireType(at: offset, "fixed32") }
        return v
    }

    /// A varint value (int, uint, bool, enum; zigzag still applied for sint).
    func varintBits(at offset: Int) throws(ProtobufReader.Malformed) -> UInt64 {
        guard case .varint(let v) = value else { throw wrongWireType(at: offset, "varint") }
        return v
    }

    private func wrongWireType(at offset: Int, _ expected: StaticString) -> ProtobufReader.Malformed {
        ProtobufReader.Malformed(offset: offset, reason: "field \(number) is not \(expected)")
    }
}
