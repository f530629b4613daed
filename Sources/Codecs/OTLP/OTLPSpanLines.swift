import NIOCore

/// Writes the spans of an `ExportTraceServiceRequest` body as NDJSON, one object per span,
/// for the stdout and file outputs, `tap` and dead letters:
///
///     {"timestamp":"2024-05-01T12:00:00.000000000Z","trace_id":"5b8e…","span_id":"eee1…",
///      "parent_span_id":"…","name":"GET /","kind":"server","start_time_unix_nano":…,
///      "end_time_unix_nano":…,"duration_ms":1.5,"status":"error","status_message":"…",
///      "resource":{…},"scope":{"name":"…","version":"…"},"attributes":{…},
///      "events":[{"name":"…","time_unix_nano":…,"attributes":{…}}],"links":0}
///
/// Ids are lower-case hex (as OTLP/JSON writes them); `parent_span_id`, `status_message` and
/// the scope's empty name or version are left out; attribute values follow
/// `OTLPAnyValue.writeJSON`. `kind` and `status` are the enum names in lower case (a number
/// the spec does not define is written in decimal, as a string).
package enum OTLPSpanLines {
    /// Appends one line per span of `request` to `buffer`. A span whose attributes, events or
    /// links do not decode (the input checks ids and structure, not every attribute) gets a
    /// short line of its ids and name with `"malformed":true`, and the spans after it are
    /// written as usual; a request whose structure is malformed ends the output after the last
    /// whole line.
    package static func write(_ request: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var lineStart = buffer.writerIndex
        do {
            try OTLPSpanReader.forEachSpan(request) { span in
                lineStart = buffer.writerIndex
                do {
                    try writeLine(span, into: &buffer)
                } catch {
                    buffer.moveWriterIndex(to: lineStart)
                    writeMalformedLine(span, into: &buffer)
                }
            }
        } catch {
            buffer.moveWriterIndex(to: lineStart)
        }
    }

    /// The line of a span whose attributes, events or links do not decode.
    private static func writeMalformedLine(_ span: OTLPSpanView, into out: inout ByteBuffer) {
        out.writeStaticString("{\"trace_id\":")
        writeHex(span.bytes(span.traceID), into: &out)
        out.writeStaticString(",\"span_id\":")
        writeHex(span.bytes(span.spanID), into: &out)
        out.writeStaticString(",\"name\":")
        JSONWriter.writeString(span.bytes(span.name), into: &out)
        out.writeStaticString(",\"malformed\":true}\n")
    }

    /// Writes one span's line, newline included.
    /// Throws `ProtobufReader.Malformed` when an attribute or event is malformed, leaving a
    /// partial line behind (the caller rolls back).
    package static func writeLine(_ span: OTLPSpanView, into out: inout ByteBuffer) throws {
        let start = Int64(clamping: span.startTimeUnixNano), end = Int64(clamping: span.endTimeUnixNano)
        out.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: start, into: &out)
        out.writeStaticString("\",\"trace_id\":")
        writeHex(span.bytes(span.traceID), into: &out)
        out.writeStaticString(",\"span_id\":")
        writeHex(span.bytes(span.spanID), into: &out)
        if !span.parentSpanID.isEmpty {
            out.writeStaticString(",\"parent_span_id\":")
            writeHex(span.bytes(span.parentSpanID), into: &out)
        }
        out.writeStaticString(",\"name\":")
        JSONWriter.writeString(span.bytes(span.name), into: &out)
        out.writeStaticString(",\"kind\":")
        writeName(kindName(span.kind), span.kind, into: &out)
        out.writeStaticString(",\"start_time_unix_nano\":")
        JSONWriter.writeInt(start, into: &out)
        out.writeStaticString(",\"end_time_unix_nano\":")
        JSONWriter.writeInt(end, into: &out)
        out.writeStaticString(",\"duration_ms\":")
        JSONWriter.writeDouble(Double(end &- start) / 1_000_000, into: &out)
        out.writeStaticString(",\"status\":")
        writeName(statusName(span.statusCode), span.statusCode, into: &out)
        if !span.statusMessage.isEmpty {
            out.writeStaticString(",\"status_message\":")
            JSONWriter.writeString(span.bytes(span.statusMessage), into: &out)
        }
        out.writeStaticString(",\"resource\":")
        try span.resourceAttributes.writeJSONObject(into: &out)
        out.writeStaticString(",\"scope\":{")
        if !span.scopeName.isEmpty {
            out.writeStaticString("\"name\":")
            JSONWriter.writeString(span.bytes(span.scopeName), into: &out)
        }
        if !span.scopeVersion.isEmpty {
            if !span.scopeName.isEmpty { out.writeInteger(UInt8(ascii: ",")) }
            out.writeStaticString("\"version\":")
            JSONWriter.writeString(span.bytes(span.scopeVersion), into: &out)
        }
        out.writeStaticString("},\"attributes\":")
        try span.attributes.writeJSONObject(into: &out)
        out.writeStaticString(",\"events\":[")
        try writeEvents(span, into: &out)
        out.writeStaticString("],\"links\":")
        JSONWriter.writeInt(Int64(span.linkCount), into: &out)
        out.writeStaticString("}\n")
    }

    private static func writeEvents(_ span: OTLPSpanView, into out: inout ByteBuffer) throws {
        var first = true
        try span.forEachEvent { time, name, attributes in
            if !first { out.writeInteger(UInt8(ascii: ",")) }
            first = false
            out.writeStaticString("{\"name\":")
            JSONWriter.writeString(span.bytes(name), into: &out)
            out.writeStaticString(",\"time_unix_nano\":")
            JSONWriter.writeInt(Int64(clamping: time), into: &out)
            out.writeStaticString(",\"attributes\":")
            try attributes.writeJSONObject(into: &out)
            out.writeInteger(UInt8(ascii: "}"))
        }
    }

    /// `Span.SpanKind` names.
    private static func kindName(_ kind: Int) -> StaticString? {
        switch kind {
        case 0: "unspecified"
        case 1: "internal"
        case 2: "server"
        case 3: "client"
        case 4: "producer"
        case 5: "consumer"
        default: nil
        }
    }

    /// `Status.StatusCode` names.
    private static func statusName(_ code: Int) -> StaticString? {
        switch code {
        case 0: "unset"
        case 1: "ok"
        case 2: "error"
        default: nil
        }
    }

    /// Writes `name` quoted, or `value` in decimal as a string when it has no name.
    private static func writeName(_ name: StaticString?, _ value: Int, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        if let name {
            out.writeStaticString(name)
        } else {
            JSONWriter.writeInt(Int64(value), into: &out)
        }
        out.writeInteger(UInt8(ascii: "\""))
    }

    /// Writes `bytes` as a quoted lower-case hex string.
    private static func writeHex(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        Hex.write(bytes, into: &out)
        out.writeInteger(UInt8(ascii: "\""))
    }
}
