import Codecs
import Pipeline

/// Encodes one log event as an OTLP `LogRecord`, its `Resource` and its `InstrumentationScope`:
/// the inverse of the OTLP input's mapping.
///
/// | event                          | OTLP                                                  |
/// |--------------------------------|-------------------------------------------------------|
/// | timestamp                      | `time_unix_nano` (1) and `observed_time_unix_nano` (11) |
/// | message                        | `body` (5) `string_value` (left out when empty)       |
/// | `severity` (text)              | `severity_text` (3); its `severity_number` (2) too    |
/// | `severity_number` (int 1…24)   | `severity_number` (2), over the one of the text       |
/// | `trace_id`, `span_id` (hex)    | `trace_id` (9, 16 bytes), `span_id` (10, 8 bytes)     |
/// | `event_name` (text)            | `event_name` (12)                                     |
/// | `flags` (int 0…2³²-1)          | `flags` (8)                                           |
/// | `resource.<key>`               | `Resource.attributes` `<key>`                         |
/// | `scope.name`, `scope.version`  | `InstrumentationScope.name` (1), `.version` (2)       |
/// | `scope.<key>`                  | `InstrumentationScope.attributes` `<key>`             |
/// | any other field                | `attributes` (6): text, int, double or bool value     |
///
/// A special field whose value does not fit (a `trace_id` that is not 32 hex digits, a text
/// `flags`) goes to `attributes` as it is, so nothing is lost.
enum OpenTelemetryLogRecord {
    /// Renders every event of `batch` into `rendered`; the shard key is the resource's hash,
    /// so a resource's records go through one lane, in order.
    static func render(_ batch: LogBatch, into rendered: OpenTelemetryRendered, keys: inout [(key: UInt64, size: Int)]) {
        rendered.removeAll()
        for i in 0..<batch.count {
            encode(batch, i, record: &rendered.records.writer, resource: &rendered.outer.writer, scope: &rendered.inner.writer)
            rendered.closeEvent()
            keys.append((rendered.outer.hashes[i], rendered.size(i)))
        }
    }

    /// Appends event `i`'s `LogRecord`, `Resource` and `InstrumentationScope` bodies.
    static func encode(_ batch: LogBatch, _ i: Int, record: inout ProtobufWriter, resource: inout ProtobufWriter,
                       scope: inout ProtobufWriter) {
        let timestamp = UInt64(bitPattern: batch.records[i].timestamp)
        if timestamp != 0 {
            record.fixed64Field(1, timestamp)
            record.fixed64Field(11, timestamp)
        }
        batch.withMessage(i) { message in
            guard !message.isEmpty else { return }
            record.messageField(5) { OpenTelemetryAttributes.writeText(value: message, &$0) }
        }
        var severity: UInt64 = 0, explicitSeverity: UInt64?
        batch.forEachField(i) { key, value in
            switch key {
            case .known(.severity):
                guard case .bytes(let span) = value else { return attribute(.known(.severity), value, batch, &record) }
                batch.withBytes(span) { text in
                    OpenTelemetryAttributes.writeString(3, text, &record)
                    severity = OpenTelemetryLogSeverity.number(text)
                }
            case .known:
                attribute(key, value, batch, &record)
            case .custom(let span):
                batch.withBytes(span) { name in
                    if let number = special(name, value, batch, record: &record, resource: &resource, scope: &scope) {
                        explicitSeverity = number
                    }
                }
            }
        }
        if let number = explicitSeverity ?? (severity != 0 ? severity : nil) { record.varintField(2, number) }
    }

    /// Writes a custom field where it belongs; returns the number of a `severity_number` field.
    private static func special(_ name: UnsafeRawBufferPointer, _ value: FieldValue, _ batch: LogBatch,
                                record: inout ProtobufWriter, resource: inout ProtobufWriter,
                                scope: inout ProtobufWriter) -> UInt64? {
        if ByteOrder.hasPrefix(name, "resource."), name.count > 9 {
            OpenTelemetryAttributes.writeKeyValue(1, key: UnsafeRawBufferPointer(rebasing: name[9...]), &resource) {
                OpenTelemetryAttributes.writeValue(value, of: batch, &$0)
            }
            return nil
        }
        switch (value, name.count) {
        case (.bytes(let span), 10) where ByteOrder.equal(name, "scope.name"):
            batch.withBytes(span) { OpenTelemetryAttributes.writeString(1, $0, &scope) }
        case (.bytes(let span), 13) where ByteOrder.equal(name, "scope.version"):
            batch.withBytes(span) { OpenTelemetryAttributes.writeString(2, $0, &scope) }
        case (_, 7...) where ByteOrder.hasPrefix(name, "scope."):
            OpenTelemetryAttributes.writeKeyValue(3, key: UnsafeRawBufferPointer(rebasing: name[6...]), &scope) {
                OpenTelemetryAttributes.writeValue(value, of: batch, &$0)
            }
        case (.int(let number), 15) where ByteOrder.equal(name, "severity_number") && (1...24).contains(number):
            return UInt64(number)
        case (.bytes(let span), 8) where ByteOrder.equal(name, "trace_id") && batch.withBytes(span, { isHex($0, count: 32) }):
            batch.withBytes(span) { writeHex(9, $0, &record) }
        case (.bytes(let span), 7) where ByteOrder.equal(name, "span_id") && batch.withBytes(span, { isHex($0, count: 16) }):
            batch.withBytes(span) { writeHex(10, $0, &record) }
        case (.bytes(let span), 10) where ByteOrder.equal(name, "event_name"):
            batch.withBytes(span) { OpenTelemetryAttributes.writeString(12, $0, &record) }
        case (.int(let flags), 5) where ByteOrder.equal(name, "flags") && (0...Int64(UInt32.max)).contains(flags):
            record.fixed32Field(8, UInt32(flags))
        default:
            OpenTelemetryAttributes.writeKeyValue(6, key: name, &record) { OpenTelemetryAttributes.writeValue(value, of: batch, &$0) }
        }
        return nil
    }

    /// Writes a field with a known name as an attribute.
    private static func attribute(_ key: FieldKey, _ value: FieldValue, _ batch: LogBatch, _ record: inout ProtobufWriter) {
        guard case .known(let known) = key else { preconditionFailure("BUG: custom keys are written by name") }
        let name = known.staticName
        OpenTelemetryAttributes.writeKeyValue(6, key: UnsafeRawBufferPointer(name),
                                              &record) { OpenTelemetryAttributes.writeValue(value, of: batch, &$0) }
    }

    private static func isHex(_ text: UnsafeRawBufferPointer, count: Int) -> Bool {
        text.count == count && text.allSatisfy { Hex.digit($0) != nil }
    }

    /// Writes hex digits `text` (checked by `isHex`) as a bytes field of half the length.
    private static func writeHex(_ field: UInt32, _ text: UnsafeRawBufferPointer, _ writer: inout ProtobufWriter) {
        withUnsafeTemporaryAllocation(byteCount: text.count / 2, alignment: 1) { bytes in
            for k in 0..<bytes.count { bytes[k] = Hex.digit(text[2 * k])! << 4 | Hex.digit(text[2 * k + 1])! }
            writer.bytesField(field, UnsafeRawBufferPointer(bytes))
        }
    }
}
