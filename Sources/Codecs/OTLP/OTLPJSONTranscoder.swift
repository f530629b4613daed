#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Turns an OTLP/JSON request body into the protobuf encoding of the same request, so the
/// OTLP/HTTP input has one decoding path.
///
/// The JSON is read from the body's bytes in one pass and each field written as it comes, so
/// the output keeps the JSON's field order (protobuf readers take fields in any order). As the
/// OTLP spec's "JSON Protobuf Encoding" and the proto3 JSON mapping say: field names in
/// lowerCamelCase or snake_case; trace and span ids in hex, other bytes in base64 (standard
/// or URL-safe, padding optional); enums as integers or names; integers as numbers or decimal
/// strings; doubles also as "NaN", "Infinity", "-Infinity"; unknown fields skipped; `null`
/// leaves a field out. Zero scalars are left out as proto3 does, except where the field has
/// presence (`optional` fields such as a histogram's `sum`, and oneof members).
package enum OTLPJSONTranscoder {
    /// The protobuf encoding of the `signal` export request whose OTLP/JSON is `json`.
    package static func transcode(_ json: UnsafeRawBufferPointer, signal: OTLPSignal) throws(OTLPJSONError) -> ByteBuffer {
        var scanner = OTLPJSONScanner(json)
        var writer = ProtobufWriter(buffer: ByteBufferAllocator().buffer(capacity: json.count / 2))
        try writeMessage(.request(of: signal), &scanner, &writer)
        try scanner.finish()
        return writer.buffer
    }

    // MARK: Messages and fields

    private static func writeMessage(_ message: OTLPJSONMessage, _ s: inout OTLPJSONScanner,
                                     _ w: inout ProtobufWriter) throws(OTLPJSONError) {
        let fields = message.fields
        try s.object { s, key throws(OTLPJSONError) in
            guard let field = s.withContents(key, { name in fields.first { $0.isNamed(name) } }) else {
                return try s.skipValue()
            }
            try writeField(field, &s, &w)
        }
    }

    private static func writeField(_ field: OTLPJSONField, _ s: inout OTLPJSONScanner,
                                   _ w: inout ProtobufWriter) throws(OTLPJSONError) {
        if s.takeNull() { return }
        switch field.label {
        case .singular: try writeValue(field, writeZero: false, &s, &w)
        case .optional: try writeValue(field, writeZero: true, &s, &w)
        case .repeated:
            guard try s.peek() == UInt8(ascii: "[") else { throw s.error(in: field, "expected an array") }
            if field.type.wireType == 2 {
                try s.array { s throws(OTLPJSONError) in try writeValue(field, writeZero: true, &s, &w) }
            } else {
                try writePacked(field, &s, &w)
            }
        }
    }

    /// Writes one value of `field`; a zero or empty one only when `writeZero` (presence).
    private static func writeValue(_ field: OTLPJSONField, writeZero: Bool, _ s: inout OTLPJSONScanner,
                                   _ w: inout ProtobufWriter) throws(OTLPJSONError) {
        switch field.type {
        case .message(let message):
            guard try s.peek() == UInt8(ascii: "{") else { throw s.error(in: field, "expected an object") }
            try nested(field.number, &w) { w throws(OTLPJSONError) in try writeMessage(message, &s, &w) }
        case .string:
            let token = try string(of: field, &s)
            guard writeZero || token.decodedCount > 0 else { return }
            w.key(field.number, wireType: 2)
            w.varint(UInt64(token.decodedCount))
            s.decode(token, into: &w.buffer)
        case .bytes:
            let token = try string(of: field, &s)
            guard let count = s.withContents(token, base64DecodedCount) else {
                throw s.error(in: field, "invalid base64", at: token.range.lowerBound - 1)
            }
            guard writeZero || count > 0 else { return }
            w.key(field.number, wireType: 2)
            w.varint(UInt64(count))
            s.withContents(token) { base64Decode($0, into: &w.buffer) }
        case .hexBytes(let count):
            let token = try string(of: field, &s)
            guard token.decodedCount > 0 else { return }  // OTLP/JSON: an empty id is no id
            guard s.withContents(token, { $0.count == 2 * count && $0.allSatisfy { Hex.digit($0) != nil } }) else {
                throw s.error(in: field, "expected \(2 * count) hex digits", at: token.range.lowerBound - 1)
            }
            w.key(field.number, wireType: 2)
            w.varint(UInt64(count))
            s.withContents(token) { hexDecode($0, into: &w.buffer) }
        default:
            let bits = try scalarBits(field, &s)
            guard writeZero || bits != 0 else { return }
            w.key(field.number, wireType: field.type.wireType)
            writePayload(bits, field.type, &w)
        }
    }

    /// Writes a repeated numeric field packed (as protobuf encoders do for proto3); an empty
    /// array writes nothing.
    private static func writePacked(_ field: OTLPJSONField, _ s: inout OTLPJSONScanner,
                                    _ w: inout ProtobufWriter) throws(OTLPJSONError) {
        let start = w.buffer.writerIndex
        var count = 0
        try nested(field.number, &w) { w throws(OTLPJSONError) in
            try s.array { s throws(OTLPJSONError) in
                writePayload(try scalarBits(field, &s), field.type, &w)
                count += 1
            }
        }
        if count == 0 { w.buffer.moveWriterIndex(to: start) }
    }

    /// Writes a length-delimited field whose contents `body` writes (`ProtobufWriter` fixes
    /// the length up afterwards), passing on the error `body` throws.
    private static func nested(_ number: UInt32, _ w: inout ProtobufWriter,
                               _ body: (inout ProtobufWriter) throws(OTLPJSONError) -> Void) throws(OTLPJSONError) {
        var failure: OTLPJSONError?
        w.messageField(number) { w in
            do throws(OTLPJSONError) { try body(&w) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private static func writePayload(_ bits: UInt64, _ type: OTLPJSONFieldType, _ w: inout ProtobufWriter) {
        switch type.wireType {
        case 0: w.varint(bits)
        case 1: w.buffer.writeInteger(bits, endianness: .little)
        default: w.buffer.writeInteger(UInt32(truncatingIfNeeded: bits), endianness: .little)
        }
    }

    private static func string(of field: OTLPJSONField, _ s: inout OTLPJSONScanner) throws(OTLPJSONError) -> OTLPJSONScanner.StringToken {
        guard try s.peek() == UInt8(ascii: "\"") else { throw s.error(in: field, "expected a string") }
        return try s.string()
    }

    // MARK: Scalars

    /// The wire payload of a bool, integer, enum or double value: varint value, or the bits of
    /// a fixed-width one.
    private static func scalarBits(_ field: OTLPJSONField, _ s: inout OTLPJSONScanner) throws(OTLPJSONError) -> UInt64 {
        switch field.type {
        case .bool:
            guard let value = s.takeBool() else { throw s.error(in: field, "expected true or false") }
            return value ? 1 : 0
        case .double:
            return try number(of: field, &s, "invalid number") { parseDouble($0)?.bitPattern }
        case .enumeration(let enumeration):
            return try number(of: field, &s, "unknown enum value") { text in
                if let value = enumeration.names.firstIndex(where: { ByteOrder.equal(text, $0) }) { return UInt64(value) }
                return parseInteger(text).flatMap { integerBits($0, as: .int32) }
            }
        default:
            return try number(of: field, &s, "invalid or out-of-range integer") { text in
                parseInteger(text).flatMap { integerBits($0, as: field.type) }
            }
        }
    }

    /// Reads a number or a string and gives its text to `parse`; nil from `parse` is `failure`.
    private static func number(of field: OTLPJSONField, _ s: inout OTLPJSONScanner, _ failure: String,
                               _ parse: (UnsafeRawBufferPointer) -> UInt64?) throws(OTLPJSONError) -> UInt64 {
        let c = try s.peek()
        let at = s.position
        let value: UInt64?
        if c == UInt8(ascii: "\"") {
            value = s.withContents(try s.string(), parse)
        } else if c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10 {
            value = parse(UnsafeRawBufferPointer(rebasing: s.bytes[try s.number()]))
        } else {
            throw s.error(in: field, "expected a number")
        }
        guard let value else { throw s.error(in: field, failure, at: at) }
        return value
    }

    /// A JSON number's sign and magnitude, when it is integral (`1e3` and `5.0` are).
    private static func parseInteger(_ text: UnsafeRawBufferPointer) -> (negative: Bool, magnitude: UInt64)? {
        guard OTLPJSONScanner.numberEnd(text, from: 0) == text.count else { return nil }
        let negative = text.first == UInt8(ascii: "-")
        let digits = UnsafeRawBufferPointer(rebasing: text[(negative ? 1 : 0)...])
        guard digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
            guard let v = parseDouble(text), v == v.rounded(), v.magnitude < 0x1p64 else { return nil }
            return (negative, UInt64(v.magnitude))
        }
        var magnitude: UInt64 = 0
        for c in digits {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c &- UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            magnitude = a
        }
        return (negative, magnitude)
    }

    /// The wire payload of an integer of `type`, or nil when it is out of the type's range.
    private static func integerBits(_ n: (negative: Bool, magnitude: UInt64), as type: OTLPJSONFieldType) -> UInt64? {
        let bits = n.negative ? 0 &- n.magnitude : n.magnitude  // two's complement, 64 bits
        switch type {
        case .int32, .sint32:
            guard n.magnitude <= (n.negative ? 1 << 31 : UInt64(Int32.max)) else { return nil }
            guard case .sint32 = type else { return bits }  // int32: sign-extended to 64 bits
            let v = Int32(truncatingIfNeeded: bits)
            return UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31)))
        case .int64, .sfixed64:
            return n.magnitude <= (n.negative ? 1 << 63 : UInt64(Int64.max)) ? bits : nil
        case .uint32, .fixed32:
            return (!n.negative || n.magnitude == 0) && n.magnitude <= UInt64(UInt32.max) ? n.magnitude : nil
        default:
            return !n.negative || n.magnitude == 0 ? n.magnitude : nil
        }
    }

    /// A JSON number, or "NaN", "Infinity", "-Infinity" (proto3 JSON).
    private static func parseDouble(_ text: UnsafeRawBufferPointer) -> Double? {
        if ByteOrder.equal(text, "NaN") { return .nan }
        if ByteOrder.equal(text, "Infinity") { return .infinity }
        if ByteOrder.equal(text, "-Infinity") { return -.infinity }
        guard OTLPJSONScanner.numberEnd(text, from: 0) == text.count, text.count <= 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { cString in
            for (i, c) in text.enumerated() { cString[i] = CChar(bitPattern: c) }
            cString[text.count] = 0
            return strtod(cString.baseAddress!, nil)
        }
    }

    // MARK: Bytes

    /// Bytes the base64 text decodes to, or nil if it is not base64 (either alphabet; the
    /// `=` padding may be left out).
    private static func base64DecodedCount(_ text: UnsafeRawBufferPointer) -> Int? {
        var n = text.count
        while n > 0, text.count - n < 2, text[n - 1] == UInt8(ascii: "=") { n -= 1 }
        guard n == text.count || text.count % 4 == 0, n % 4 != 1 else { return nil }
        guard text[..<n].allSatisfy({ sextet($0) != nil }) else { return nil }
        return n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1)
    }

    /// Writes the bytes of base64 text that `base64DecodedCount` accepted.
    private static func base64Decode(_ text: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var bits: UInt32 = 0, bitCount = 0
        for c in text {
            guard let v = sextet(c) else { break }  // the padding
            bits = bits << 6 | UInt32(v)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                buffer.writeInteger(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
            }
        }
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }

    /// Writes the bytes of hex text whose digits have been checked.
    private static func hexDecode(_ text: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var i = 0
        while i + 1 < text.count {
            let high = Hex.digit(text[i]) ?? 0, low = Hex.digit(text[i + 1]) ?? 0
            buffer.writeInteger(high << 4 | low)
            i += 2
        }
    }
}

extension OTLPJSONField {
    /// True when `name` is this field's JSON or proto name.
    fileprivate func isNamed(_ name: UnsafeRawBufferPointer) -> Bool { ByteOrder.equal(name, jsonName) || ByteOrder.equal(name, protoName) }
}

extension OTLPJSONScanner {
    /// A value that does not fit `field`, at `offset` (the current position by default).
    fileprivate func error(in field: OTLPJSONField, _ reason: String, at offset: Int? = nil) -> OTLPJSONError {
        OTLPJSONError(offset: offset ?? position, field: "\(field.jsonName)", reason: reason)
    }
}
