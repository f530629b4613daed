import Codecs
import Foundation
import NIOCore

/// Writes the log records and data points of a stored request as NDJSON for the dead-letter
/// file, one object per item, read back into the event each was made from (the inverse of
/// `OpenTelemetryLogRecord` and `OpenTelemetryMetricPoint`), so a line reads as the line of
/// the same event refused before it was stored:
///
///     {"timestamp":"…Z","message":"GET /a 200","severity":"err","severity_number":17,
///      "trace_id":"5b8e…","span_id":"eee1…","http.status":200,"resource.service.name":"api",
///      "scope.name":"lib"}
///     {"timestamp":"…Z","name":"up","labels":{"job":"node","instance":"h:9100"},"kind":"gauge","value":1}
///
/// - Logs: the timestamp is `time_unix_nano`, else `observed_time_unix_nano`; the message the
///   body (a string as it is, another value as its JSON, none: ""); `severity`,
///   `severity_number`, `trace_id` and `span_id` (hex), `event_name` and `flags` when set; each
///   attribute under its key, resource attributes under `resource.<key>`, the scope as
///   `scope.name`, `scope.version`, `scope.<key>`. Values as `OTLPAnyValue.writeJSON`.
/// - Metrics: `service.name` and `service.instance.id` are the `job` and `instance` labels,
///   the point's attributes the others; a monotonic sum is a `counter`, a gauge or another sum
///   a `gauge`; a stale point (flag "no recorded value") has the value `"NaN"`. A point of
///   another type (this output writes none) is `{"name","kind","otlp_protobuf_base64"}`.
///
/// A malformed request ends the output after the last whole line.
enum OpenTelemetryItemLines {
    static func writeLogRecords(_ request: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        writeLines(request, .logs, into: &out) { path, record, out in
            try writeLogRecord(request, record, resource: path[0].range, scope: path[1].range, into: &out)
        }
    }

    static func writeDataPoints(_ request: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        writeLines(request, .metrics, into: &out) { path, point, out in
            try writeDataPoint(request, point, resource: path[0].range, metric: path[2].range, data: path[3], into: &out)
        }
    }

    /// Calls `line` for each item, then closes its object; rolls back a line that breaks.
    private static func writeLines(_ request: UnsafeRawBufferPointer, _ shape: OpenTelemetryRequestShape, into out: inout ByteBuffer,
                                   _ line: (OpenTelemetryRequestShape.Path, Range<Int>, inout ByteBuffer) throws -> Void) {
        var lineStart = out.writerIndex
        do {
            try shape.forEachItem(request) { path, item in
                lineStart = out.writerIndex
                try line(path, item, &out)
                out.writeStaticString("}\n")
            }
        } catch {
            out.moveWriterIndex(to: lineStart)
        }
    }

    // MARK: Logs

    private static func writeLogRecord(_ request: UnsafeRawBufferPointer, _ record: Range<Int>, resource: Range<Int>,
                                       scope: Range<Int>, into out: inout ByteBuffer) throws {
        var time: UInt64 = 0, observed: UInt64 = 0, body: Range<Int>?
        var reader = ProtobufReader(request, range: record)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (1, .fixed64(let v)): time = v
            case (11, .fixed64(let v)): observed = v
            case (5, .bytes(let r)): body = r
            default: break
            }
        }
        out.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: Int64(clamping: time != 0 ? time : observed), into: &out)
        out.writeStaticString("\",\"message\":")
        try writeMessage(body.map { try OTLPAnyValue(buffer: request, range: $0) }, into: &out)
        reader = ProtobufReader(request, range: record)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (3, .bytes(let r)) where !r.isEmpty: writeField("severity", request, r, &out)
            case (2, .varint(let v)) where v != 0: writeNumber("severity_number", Int64(clamping: v), &out)
            case (9, .bytes(let r)) where !r.isEmpty: writeHex("trace_id", request, r, &out)
            case (10, .bytes(let r)) where !r.isEmpty: writeHex("span_id", request, r, &out)
            case (12, .bytes(let r)) where !r.isEmpty: writeField("event_name", request, r, &out)
            case (8, .fixed32(let v)) where v != 0: writeNumber("flags", Int64(v), &out)
            default: break
            }
        }
        try writeAttributes(OTLPKeyValues(buffer: request, message: record, field: 6), prefix: "", into: &out)
        if let resource = try field(1, of: resource, request) {
            try writeAttributes(OTLPKeyValues(buffer: request, message: resource, field: 1), prefix: "resource.", into: &out)
        }
        guard let scope = try field(1, of: scope, request) else { return }
        reader = ProtobufReader(request, range: scope)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (1, .bytes(let r)) where !r.isEmpty: writeField("scope.name", request, r, &out)
            case (2, .bytes(let r)) where !r.isEmpty: writeField("scope.version", request, r, &out)
            default: break
            }
        }
        try writeAttributes(OTLPKeyValues(buffer: request, message: scope, field: 3), prefix: "scope.", into: &out)
    }

    /// A string body as it is, another value as its JSON, none (or an unset one) as `""`.
    private static func writeMessage(_ body: OTLPAnyValue?, into out: inout ByteBuffer) throws {
        if let body, body.kind != .empty {
            try body.writeJSON(into: &out)
        } else {
            out.writeStaticString("\"\"")
        }
    }

    /// `,"<prefix><key>":value` for each attribute.
    private static func writeAttributes(_ attributes: OTLPKeyValues, prefix: StaticString, into out: inout ByteBuffer) throws {
        try attributes.forEach { key, value in
            out.writeStaticString(",\"")
            out.writeStaticString(prefix)
            for b in key {
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                    JSONWriter.writeEscaped(b, into: &out)
                } else {
                    out.writeInteger(b)
                }
            }
            out.writeStaticString("\":")
            try value.writeJSON(into: &out)
        }
    }

    // MARK: Metrics

    private static func writeDataPoint(_ request: UnsafeRawBufferPointer, _ point: Range<Int>, resource: Range<Int>,
                                       metric: Range<Int>, data: (field: UInt32, range: Range<Int>),
                                       into out: inout ByteBuffer) throws {
        let name = UnsafeRawBufferPointer(rebasing: request[try field(1, of: metric, request) ?? 0..<0])
        guard data.field == 5 || data.field == 7 else {
            return writeOtherPoint(name, kind: data.field, UnsafeRawBufferPointer(rebasing: request[point]), into: &out)
        }
        var time: UInt64 = 0, value: Double?, integer: Int64?, stale = false
        var reader = ProtobufReader(request, range: point)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (3, .fixed64(let v)): time = v
            case (4, .fixed64(let v)): (value, integer) = (Double(bitPattern: v), nil)
            case (6, .fixed64(let v)): (value, integer) = (nil, Int64(bitPattern: v))
            case (8, .varint(let v)): stale = v & 1 != 0
            default: break
            }
        }
        out.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: Int64(clamping: time), into: &out)
        out.writeStaticString("\",\"name\":")
        JSONWriter.writeString(name, into: &out)
        out.writeStaticString(",\"labels\":{")
        try writeLabels(request, resource: resource, point: point, into: &out)
        out.writeStaticString(try isMonotonicSum(data, request) ? "},\"kind\":\"counter\"" : "},\"kind\":\"gauge\"")
        out.writeStaticString(",\"value\":")
        if stale {
            JSONWriter.writeDouble(.nan, into: &out)
        } else if let integer {
            JSONWriter.writeInt(integer, into: &out)
        } else if let value {
            JSONWriter.writeDouble(value, into: &out)
        } else {
            out.writeStaticString("null")
        }
    }

    /// A point of a histogram (9), exponential histogram (10) or summary (11): its protobuf.
    private static func writeOtherPoint(_ name: UnsafeRawBufferPointer, kind: UInt32, _ point: UnsafeRawBufferPointer,
                                        into out: inout ByteBuffer) {
        out.writeStaticString("{\"name\":")
        JSONWriter.writeString(name, into: &out)
        out.writeStaticString(",\"kind\":")
        out.writeStaticString(kind == 9 ? "\"histogram\"" : kind == 10 ? "\"exponential_histogram\"" : "\"summary\"")
        out.writeStaticString(",\"otlp_protobuf_base64\":")
        JSONWriter.writeString(Data(point).base64EncodedString(), into: &out)
    }

    /// Whether `data` is a `Sum` (7) with `is_monotonic` (3) set.
    private static func isMonotonicSum(_ data: (field: UInt32, range: Range<Int>), _ request: UnsafeRawBufferPointer) throws -> Bool {
        guard data.field == 7 else { return false }
        var monotonic = false
        var reader = ProtobufReader(request, range: data.range)
        while let f = try reader.next() {
            if f.number == 3, case .varint(let v) = f.value { monotonic = v != 0 }
        }
        return monotonic
    }

    /// The resource's attributes (`service.name` as `job`, `service.instance.id` as `instance`),
    /// then the point's, as `"name":value` pairs.
    private static func writeLabels(_ request: UnsafeRawBufferPointer, resource: Range<Int>, point: Range<Int>,
                                    into out: inout ByteBuffer) throws {
        var first = true
        func label(_ name: UnsafeRawBufferPointer, _ value: OTLPAnyValue) throws {
            if !first { out.writeInteger(UInt8(ascii: ",")) }
            first = false
            JSONWriter.writeString(name, into: &out)
            out.writeInteger(UInt8(ascii: ":"))
            try value.writeJSON(into: &out)
        }
        if let resource = try field(1, of: resource, request) {
            try OTLPKeyValues(buffer: request, message: resource, field: 1).forEach { key, value in
                switch key.count {
                case 12 where key.elementsEqual("service.name".utf8): try label(UnsafeRawBufferPointer("job"), value)
                case 19 where key.elementsEqual("service.instance.id".utf8): try label(UnsafeRawBufferPointer("instance"), value)
                default: try label(key, value)
                }
            }
        }
        try OTLPKeyValues(buffer: request, message: point, field: 7).forEach(label)
    }

    // MARK: Fields

    /// The range of the last field `number` of the message at `range`, when it is length-delimited.
    private static func field(_ number: UInt32, of range: Range<Int>, _ request: UnsafeRawBufferPointer) throws -> Range<Int>? {
        var found: Range<Int>?
        var reader = ProtobufReader(request, range: range)
        while let f = try reader.next() {
            if f.number == number, case .bytes(let r) = f.value { found = r }
        }
        return found
    }

    private static func writeField(_ key: StaticString, _ request: UnsafeRawBufferPointer, _ range: Range<Int>,
                                   _ out: inout ByteBuffer) {
        out.writeStaticString(",\"")
        out.writeStaticString(key)
        out.writeStaticString("\":")
        JSONWriter.writeString(UnsafeRawBufferPointer(rebasing: request[range]), into: &out)
    }

    private static func writeNumber(_ key: StaticString, _ value: Int64, _ out: inout ByteBuffer) {
        out.writeStaticString(",\"")
        out.writeStaticString(key)
        out.writeStaticString("\":")
        JSONWriter.writeInt(value, into: &out)
    }

    /// `,"key":"<lower-case hex>"`.
    private static func writeHex(_ key: StaticString, _ request: UnsafeRawBufferPointer, _ range: Range<Int>,
                                 _ out: inout ByteBuffer) {
        out.writeStaticString(",\"")
        out.writeStaticString(key)
        out.writeStaticString("\":\"")
        Hex.write(UnsafeRawBufferPointer(rebasing: request[range]), into: &out)
        out.writeInteger(UInt8(ascii: "\""))
    }
}
