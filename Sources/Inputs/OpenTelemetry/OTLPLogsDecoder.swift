import Codecs
import NIOCore
import Pipeline

/// Decodes an OTLP `ExportLogsServiceRequest` (protobuf, decompressed) into log events.
///
///     ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1 }
///     ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2 }
///     ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2 }
///
/// Each `LogRecord` becomes one event:
/// - message: the body; a string as it is, any other value as JSON text (`{"a":1}`, `[1,2]`,
///   bytes in base64); no body (or an unset one) gives an empty message.
/// - timestamp: `time_unix_nano`, else `observed_time_unix_nano`, else when the request arrived.
/// - fields: `severity` (severity_text, when not empty), `severity_number` (int, when not 0),
///   `trace_id` and `span_id` (lowercase hex, when not empty), `event_name` (when not empty),
///   `flags` (int, when not 0); each record attribute under its own key (`http.method`); each
///   resource attribute under `resource.<key>` (`resource.service.name`); the scope's name and
///   version as `scope.name` and `scope.version` (when not empty).
/// - Attribute values keep their type: string, int, double and bool as such; arrays, key/value
///   lists and bytes as JSON text; an attribute without a value is left out. On a key clash
///   the record's own fields win over its attributes, and those over resource and scope
///   fields; of repeated keys the last wins.
///
/// A malformed request throws and leaves the batch with the events it had (the ones appended
/// before the fault are removed; their bytes stay in the arena until it is cleared). Nothing
/// is allocated per record: keys and values are copied from the request into the batch arena,
/// and the fields every record of a resource and scope shares are stored once.
struct OTLPLogsDecoder {
    /// The fields one request may make (≈ 128 MiB of field rows); a request over it is refused.
    static let maxFieldsPerRequest = 4_000_000

    /// Appends the events of `request` to `batch`; returns how many. `receivedAt` is unix
    /// nanoseconds.
    func decode(_ request: UnsafeRawBufferPointer, receivedAt: Int64,
                into batch: inout LogBatch) throws(ProtobufReader.Malformed) -> Int {
        let before = batch.count
        var writer = OTLPLogsRequestWriter(buffer: request, receivedAt: receivedAt)
        do throws(ProtobufReader.Malformed) {
            var reader = ProtobufReader(request)
            while let f = try reader.next() {
                guard f.number == 1 else { continue }
                try writer.appendResource(f.lengthDelimited(at: reader.offset), to: &batch)
            }
        } catch {
            batch.retain { $0 < before }
            throw error
        }
        return batch.count - before
    }
}

/// The state of decoding one logs request: the fields shared by the records of the current
/// resource and scope, the keys stored so far, and a scratch buffer for JSON and hex text.
private struct OTLPLogsRequestWriter {
    let buffer: UnsafeRawBufferPointer
    let receivedAt: Int64
    /// `resource.*` fields, then `scope.*` fields from `resourceFieldCount` on.
    private var shared: [(key: ByteSpan, value: FieldValue)] = []
    private var resourceFieldCount = 0
    private var keySpans = [ByteSpan?](repeating: nil, count: Key.allCases.count)
    private var scratch = ByteBuffer()

    /// Field names the decoder adds, stored in the arena once per request.
    private enum Key: Int, CaseIterable {
        case severityNumber, traceID, spanID, eventName, flags, scopeName, scopeVersion

        var name: StaticString {
            switch self {
            case .severityNumber: "severity_number"
            case .traceID: "trace_id"
            case .spanID: "span_id"
            case .eventName: "event_name"
            case .flags: "flags"
            case .scopeName: "scope.name"
            case .scopeVersion: "scope.version"
            }
        }
    }

    init(buffer: UnsafeRawBufferPointer, receivedAt: Int64) {
        self.buffer = buffer
        self.receivedAt = receivedAt
    }

    /// `ResourceLogs`: the resource first (it may follow its scopes on the wire), then each scope.
    mutating func appendResource(_ range: Range<Int>, to batch: inout LogBatch) throws(ProtobufReader.Malformed) {
        shared.removeAll(keepingCapacity: true)
        var reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 1 else { continue }
            try storeResourceAttributes(of: f.lengthDelimited(at: reader.offset), in: &batch)
        }
        resourceFieldCount = shared.count
        reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 2 else { continue }
            try appendScope(f.lengthDelimited(at: reader.offset), to: &batch)
        }
    }

    /// `Resource { repeated KeyValue attributes = 1 }` → `resource.<key>` fields.
    private mutating func storeResourceAttributes(of resource: Range<Int>, in batch: inout LogBatch) throws(ProtobufReader.Malformed) {
        try OTLPKeyValues(buffer: buffer, message: resource, field: 1).forEachEntry { key, value throws(ProtobufReader.Malformed) in
            guard let fieldValue = try store(value, in: &batch) else { return }
            scratch.clear()
            scratch.writeStaticString("resource.")
            scratch.writeBytes(key)
            let existing = scratch.withUnsafeReadableBytes { name in
                shared.firstIndex { field in batch.withBytes(field.key) { ByteOrder.equal($0, name) } }
            }
            if let existing {
                shared[existing].value = fieldValue
            } else {
                shared.append((scratch.withUnsafeReadableBytes { batch.store($0) }, fieldValue))
            }
        }
    }

    /// `ScopeLogs`: the scope's name and version, then each record.
    private mutating func appendScope(_ range: Range<Int>, to batch: inout LogBatch) throws(ProtobufReader.Malformed) {
        shared.removeLast(shared.count - resourceFieldCount)
        var reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 1 else { continue }
            var scope = ProtobufReader(buffer, range: try f.lengthDelimited(at: reader.offset))
            while let s = try scope.next() {
                guard s.number == 1 || s.number == 2 else { continue }
                let text = try s.lengthDelimited(at: scope.offset)
                guard !text.isEmpty else { continue }
                let key = key(s.number == 1 ? .scopeName : .scopeVersion, in: &batch)
                shared.removeAll { $0.key == key }
                shared.append((key, .bytes(batch.store(slice(text)))))
            }
        }
        reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 2 else { continue }
            try appendRecord(f.lengthDelimited(at: reader.offset), to: &batch)
        }
    }

    /// One `LogRecord`: its scalars in a first pass, then the event, then its attributes.
    private mutating func appendRecord(_ range: Range<Int>, to batch: inout LogBatch) throws(ProtobufReader.Malformed) {
        var time: UInt64 = 0, observed: UInt64 = 0, severityNumber: UInt64 = 0, flags: UInt32 = 0
        let none = range.lowerBound..<range.lowerBound
        var severityText = none, traceID = none, spanID = none, eventName = none
        var body: Range<Int>?
        var hasAttributes = false
        var reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            let at = reader.offset
            switch f.number {
            case 1: time = try f.fixed64Bits(at: at)
            case 2: severityNumber = try f.varintBits(at: at)
            case 3: severityText = try f.lengthDelimited(at: at)
            case 5: body = try f.lengthDelimited(at: at)
            case 6: _ = try f.lengthDelimited(at: at); hasAttributes = true
            case 8: flags = try f.fixed32Bits(at: at)
            case 9: traceID = try f.lengthDelimited(at: at)
            case 10: spanID = try f.lengthDelimited(at: at)
            case 11: observed = try f.fixed64Bits(at: at)
            case 12: eventName = try f.lengthDelimited(at: at)
            default: break
            }
        }
        let timestamp = time != 0 ? Int64(bitPattern: time) : observed != 0 ? Int64(bitPattern: observed) : receivedAt
        // Resource and scope attributes are copied onto each record: bound what that may make.
        guard batch.fields.count + shared.count <= OTLPLogsDecoder.maxFieldsPerRequest else {
            throw ProtobufReader.Malformed(offset: range.lowerBound, reason: "the request expands to more than \(OTLPLogsDecoder.maxFieldsPerRequest) fields (resource and scope attributes are copied onto each record); send fewer records per request")
        }
        let index = try appendEvent(timestamp: timestamp, body: body, to: &batch)
        for field in shared { batch.appendField(index, .custom(field.key), field.value) }
        if hasAttributes {
            try OTLPKeyValues(buffer: buffer, message: range, field: 6).forEachEntry { key, value throws(ProtobufReader.Malformed) in
                guard let fieldValue = try store(value, in: &batch) else { return }
                batch.setField(index, keyBytes: key, fieldValue)
            }
        }
        if !severityText.isEmpty { batch.setField(index, .severity, bytes: slice(severityText)) }
        if severityNumber != 0 {
            batch.setField(index, keySpan: key(.severityNumber, in: &batch), .int(Int64(Int32(truncatingIfNeeded: severityNumber))))
        }
        if !traceID.isEmpty { batch.setField(index, keySpan: key(.traceID, in: &batch), .bytes(storeHex(traceID, in: &batch))) }
        if !spanID.isEmpty { batch.setField(index, keySpan: key(.spanID, in: &batch), .bytes(storeHex(spanID, in: &batch))) }
        if !eventName.isEmpty {
            batch.setField(index, keySpan: key(.eventName, in: &batch), .bytes(batch.store(slice(eventName))))
        }
        if flags != 0 { batch.setField(index, keySpan: key(.flags, in: &batch), .int(Int64(flags))) }
    }

    /// Appends the event with the body as its message; returns its index.
    private mutating func appendEvent(timestamp: Int64, body: Range<Int>?, to batch: inout LogBatch) throws(ProtobufReader.Malformed) -> Int {
        guard let body else { return batch.append(timestamp: timestamp, message: slice(0..<0)) }
        let value = try OTLPAnyValue(buffer: buffer, range: body)
        if let text = value.stringBytes { return batch.append(timestamp: timestamp, message: text) }
        scratch.clear()
        if value.kind != .empty { try value.writeJSON(into: &scratch) }
        return scratch.withUnsafeReadableBytes { batch.append(timestamp: timestamp, message: $0) }
    }

    /// An attribute value as a field value (its bytes stored in the arena), nil when unset.
    private mutating func store(_ value: OTLPAnyValue, in batch: inout LogBatch) throws(ProtobufReader.Malformed) -> FieldValue? {
        switch value.kind {
        case .string: return value.stringBytes.map { .bytes(batch.store($0)) }
        case .int: return value.intValue.map { .int($0) }
        case .double: return value.doubleValue.map { .double($0) }
        case .bool: return value.boolValue.map { .bool($0) }
        case .empty: return nil
        case .array, .kvlist, .bytes:
            scratch.clear()
            try value.writeJSON(into: &scratch)
            return .bytes(scratch.withUnsafeReadableBytes { batch.store($0) })
        }
    }

    /// Stores the bytes at `range` as lowercase hex (trace and span ids).
    private mutating func storeHex(_ range: Range<Int>, in batch: inout LogBatch) -> ByteSpan {
        scratch.clear()
        Hex.write(slice(range), into: &scratch)
        return scratch.withUnsafeReadableBytes { batch.store($0) }
    }

    /// The arena span of one of the decoder's field names, stored on first use.
    private mutating func key(_ key: Key, in batch: inout LogBatch) -> ByteSpan {
        if let span = keySpans[key.rawValue] { return span }
        let span = batch.store(UnsafeRawBufferPointer(start: key.name.utf8Start, count: key.name.utf8CodeUnitCount))
        keySpans[key.rawValue] = span
        return span
    }

    private func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[range]) }
}
