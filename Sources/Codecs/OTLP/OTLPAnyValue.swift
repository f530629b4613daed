import NIOCore

/// A view of one encoded OTLP `AnyValue` (attribute values, log bodies), read in place.
///
///     AnyValue { oneof value { string_value = 1; bool_value = 2; int64 int_value = 3;
///                double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
///                bytes bytes_value = 7 } }
///
/// Reading the value checks only its own fields; nested arrays and lists are read when
/// walked or written, so those calls throw on a malformed nesting. The buffer must outlive
/// the view.
package struct OTLPAnyValue {
    /// Which member of the oneof is set; `empty` when none is (an unset value).
    package enum Kind: Sendable, Equatable {
        case string, bool, int, double, array, kvlist, bytes, empty
    }

    /// Nesting of arrays and lists deeper than this is refused rather than recursed into.
    package static let maxDepth = 64

    /// The buffer the ranges index into.
    package let buffer: UnsafeRawBufferPointer
    /// Which value is set.
    package private(set) var kind: Kind = .empty
    /// Bytes of a string, bytes, array or kvlist value (the embedded message for the last two).
    package private(set) var payload: Range<Int> = 0..<0
    /// The raw varint or fixed64 bits of a bool, int or double value.
    private var bits: UInt64 = 0

    /// Reads the `AnyValue` message at `range` of `buffer`; a later oneof member wins, as in
    /// protobuf, and unknown fields are skipped.
    package init(buffer: UnsafeRawBufferPointer, range: Range<Int>) throws(ProtobufReader.Malformed) {
        self.buffer = buffer
        var reader = ProtobufReader(buffer, range: range)
        while let field = try reader.next() {
            switch (field.number, field.value) {
            case (1, .bytes(let r)): kind = .string; payload = r
            case (2, .varint(let v)): kind = .bool; bits = v
            case (3, .varint(let v)): kind = .int; bits = v
            case (4, .fixed64(let v)): kind = .double; bits = v
            case (5, .bytes(let r)): kind = .array; payload = r
            case (6, .bytes(let r)): kind = .kvlist; payload = r
            case (7, .bytes(let r)): kind = .bytes; payload = r
            case (1...7, _):
                throw ProtobufReader.Malformed(offset: range.lowerBound, reason: "AnyValue field \(field.number) has the wrong wire type")
            default: break
            }
        }
    }

    /// An unset value (a `KeyValue` without its value field).
    package init(emptyIn buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    /// The range of a string value, or nil for another kind.
    package var stringRange: Range<Int>? { kind == .string ? payload : nil }

    /// The bytes of a string value, or nil for another kind.
    package var stringBytes: UnsafeRawBufferPointer? {
        kind == .string ? UnsafeRawBufferPointer(rebasing: buffer[payload]) : nil
    }

    /// Calls `body` with the UTF-8 bytes of a string value; nil for another kind.
    package func withString<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard let bytes = stringBytes else { return nil }
        return try body(bytes)
    }

    /// An int value (int64, two's complement on the wire), or nil for another kind.
    package var intValue: Int64? { kind == .int ? Int64(bitPattern: bits) : nil }

    /// A double value, or nil for another kind.
    package var doubleValue: Double? { kind == .double ? Double(bitPattern: bits) : nil }

    /// A bool value, or nil for another kind.
    package var boolValue: Bool? { kind == .bool ? bits != 0 : nil }

    /// The entries of a kvlist value (`KeyValueList { repeated KeyValue values = 1 }`), or nil.
    package var kvlistValue: OTLPKeyValues? {
        kind == .kvlist ? OTLPKeyValues(buffer: buffer, message: payload, field: 1) : nil
    }

    /// Calls `body` with each element of an array value (`ArrayValue { repeated AnyValue
    /// values = 1 }`); does nothing for another kind.
    package func forEachElement(_ body: (OTLPAnyValue) throws -> Void) throws {
        guard kind == .array else { return }
        var reader = ProtobufReader(buffer, range: payload)
        while let field = try reader.next() {
            guard field.number == 1 else { continue }
            guard case .bytes(let r) = field.value else {
                throw ProtobufReader.Malformed(offset: payload.lowerBound, reason: "ArrayValue field 1 has the wrong wire type")
            }
            try body(OTLPAnyValue(buffer: buffer, range: r))
        }
    }

    /// Writes the value as JSON: a string as a JSON string, bool/int/double as such, an array
    /// as a JSON array, a kvlist as an object, bytes in base64, an unset value as `null`.
    package func writeJSON(into out: inout ByteBuffer) throws(ProtobufReader.Malformed) {
        try writeJSON(into: &out, depth: 0)
    }

    /// Writes a string value raw (no quotes, no escaping) and any other as `writeJSON` does:
    /// for text outputs such as a log line's message.
    package func writeText(into out: inout ByteBuffer) throws(ProtobufReader.Malformed) {
        if let bytes = stringBytes {
            out.writeBytes(bytes)
        } else {
            try writeJSON(into: &out)
        }
    }

    func writeJSON(into out: inout ByteBuffer, depth: Int) throws(ProtobufReader.Malformed) {
        guard depth < Self.maxDepth else {
            throw ProtobufReader.Malformed(offset: payload.lowerBound, reason: "AnyValue nested deeper than \(Self.maxDepth)")
        }
        switch kind {
        case .string: JSONWriter.writeString(UnsafeRawBufferPointer(rebasing: buffer[payload]), into: &out)
        case .bool: out.writeStaticString(bits != 0 ? "true" : "false")
        case .int: JSONWriter.writeInt(Int64(bitPattern: bits), into: &out)
        case .double: JSONWriter.writeDouble(Double(bitPattern: bits), into: &out)
        case .bytes: Base64.writeQuoted(UnsafeRawBufferPointer(rebasing: buffer[payload]), into: &out)
        case .empty: out.writeStaticString("null")
        case .kvlist: try OTLPKeyValues(buffer: buffer, message: payload, field: 1).writeJSONObject(into: &out, depth: depth + 1)
        case .array:
            out.writeInteger(UInt8(ascii: "["))
            var first = true
            var reader = ProtobufReader(buffer, range: payload)
            while let field = try reader.next() {
                guard field.number == 1 else { continue }
                guard case .bytes(let r) = field.value else {
                    throw ProtobufReader.Malformed(offset: payload.lowerBound, reason: "ArrayValue field 1 has the wrong wire type")
                }
                if !first { out.writeInteger(UInt8(ascii: ",")) }
                first = false
                try OTLPAnyValue(buffer: buffer, range: r).writeJSON(into: &out, depth: depth + 1)
            }
            out.writeInteger(UInt8(ascii: "]"))
        }
    }
}

/// Standard base64 (RFC 4648 §4, padded), as the proto3 JSON mapping writes `bytes`.
enum Base64 {
    /// Writes `bytes` base64-encoded between double quotes.
    static func writeQuoted(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let table = alphabet.utf8Start
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: (bytes.count + 2) / 3 * 4 + 2) { raw in
            var w = RawWriter(raw)
            w.write(UInt8(ascii: "\""))
            var i = 0
            while i < bytes.count {
                let b0 = UInt32(bytes[i])
                let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
                let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
                let n = b0 << 16 | b1 << 8 | b2
                w.write(table[Int(n >> 18 & 63)])
                w.write(table[Int(n >> 12 & 63)])
                w.write(i + 1 < bytes.count ? table[Int(n >> 6 & 63)] : UInt8(ascii: "="))
                w.write(i + 2 < bytes.count ? table[Int(n & 63)] : UInt8(ascii: "="))
                i += 3
            }
            w.write(UInt8(ascii: "\""))
            return w.count
        }
    }
}
