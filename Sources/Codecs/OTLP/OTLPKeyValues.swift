import NIOCore

/// The `repeated KeyValue` field `field` of the message at `message` (resource, scope, span,
/// log record or data point attributes, a kvlist's entries), read in place.
///
///     KeyValue { string key = 1; AnyValue value = 2 }
///
/// Entries come in wire order; protobuf lets a repeated field interleave with others, so the
/// whole message is walked. Nothing is allocated. The buffer must outlive the view.
package struct OTLPKeyValues {
    /// The buffer the ranges index into.
    package let buffer: UnsafeRawBufferPointer
    /// The message holding the repeated field.
    package let message: Range<Int>
    /// The number of the repeated `KeyValue` field in that message.
    package let field: UInt32

    package init(buffer: UnsafeRawBufferPointer, message: Range<Int>, field: UInt32) {
        self.buffer = buffer
        self.message = message
        self.field = field
    }

    /// Calls `body` with each entry's key bytes and value.
    package func forEach(_ body: (_ key: UnsafeRawBufferPointer, _ value: OTLPAnyValue) throws -> Void) throws {
        var reader = ProtobufReader(buffer, range: message)
        while let f = try reader.next() {
            guard f.number == field else { continue }
            guard case .bytes(let entry) = f.value else {
                throw ProtobufReader.Malformed(offset: message.lowerBound, reason: "KeyValue field \(field) has the wrong wire type")
            }
            let (key, value) = try Self.entry(buffer, entry)
            try body(UnsafeRawBufferPointer(rebasing: buffer[key]), value)
        }
    }

    /// The value of the first entry whose key equals `key` byte for byte, or nil.
    package func first(key: UnsafeRawBufferPointer) throws(ProtobufReader.Malformed) -> OTLPAnyValue? {
        var reader = ProtobufReader(buffer, range: message)
        while let f = try reader.next() {
            guard f.number == field, case .bytes(let entry) = f.value else { continue }
            let (k, value) = try Self.entry(buffer, entry)
            if k.count == key.count, Self.equal(buffer, k, key) { return value }
        }
        return nil
    }

    /// The value of the first entry keyed `key`, or nil.
    package func first(key: StaticString) throws(ProtobufReader.Malformed) -> OTLPAnyValue? {
        try first(key: UnsafeRawBufferPointer(key))
    }

    /// Writes the entries as a JSON object, `{"key":value,…}` (values as `OTLPAnyValue.writeJSON`).
    package func writeJSONObject(into out: inout ByteBuffer) throws(ProtobufReader.Malformed) {
        try writeJSONObject(into: &out, depth: 0)
    }

    func writeJSONObject(into out: inout ByteBuffer, depth: Int) throws(ProtobufReader.Malformed) {
        out.writeInteger(UInt8(ascii: "{"))
        var first = true
        var reader = ProtobufReader(buffer, range: message)
        while let f = try reader.next() {
            guard f.number == field else { continue }
            guard case .bytes(let entry) = f.value else {
                throw ProtobufReader.Malformed(offset: message.lowerBound, reason: "KeyValue field \(field) has the wrong wire type")
            }
            let (key, value) = try Self.entry(buffer, entry)
            if !first { out.writeInteger(UInt8(ascii: ",")) }
            first = false
            JSONWriter.writeString(UnsafeRawBufferPointer(rebasing: buffer[key]), into: &out)
            out.writeInteger(UInt8(ascii: ":"))
            try value.writeJSON(into: &out, depth: depth)
        }
        out.writeInteger(UInt8(ascii: "}"))
    }

    /// The key range and value of the `KeyValue` message at `range`.
    static func entry(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtobufReader.Malformed) -> (Range<Int>, OTLPAnyValue) {
        var reader = ProtobufReader(buffer, range: range)
        var key = range.lowerBound..<range.lowerBound
        var value = OTLPAnyValue(emptyIn: buffer)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (1, .bytes(let r)): key = r
            case (2, .bytes(let r)): value = try OTLPAnyValue(buffer: buffer, range: r)
            case (1, _), (2, _):
                throw ProtobufReader.Malformed(offset: range.lowerBound, reason: "KeyValue field \(f.number) has the wrong wire type")
            default: break
            }
        }
        return (key, value)
    }

    private static func equal(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ other: UnsafeRawBufferPointer) -> Bool {
        buffer[range].elementsEqual(other)
    }
}
