import Codecs
import Pipeline

/// Writes OTLP `KeyValue` and `AnyValue` messages from pipectl values:
///
/// ```
/// KeyValue { string key = 1; AnyValue value = 2; }
/// AnyValue { oneof { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
///                    double double_value = 4; …; bytes bytes_value = 7; } }
/// ```
/// A oneof member is written even when it holds its type's zero value (proto3 keeps the
/// case). Bytes that are not UTF-8 go as `bytes_value`, so nothing is altered on the way.
enum OpenTelemetryAttributes {
    /// Writes a `KeyValue` as field `field` of the message being written.
    static func writeKeyValue(_ field: UInt32, key: UnsafeRawBufferPointer, _ writer: inout ProtobufWriter,
                              value: (inout ProtobufWriter) -> Void) {
        writer.messageField(field) { w in
            writeString(1, key, &w)
            w.messageField(2, value)
        }
    }

    /// The `AnyValue` fields of a log field's value.
    static func writeValue(_ value: FieldValue, of batch: LogBatch, _ writer: inout ProtobufWriter) {
        switch value {
        case .bytes(let span): batch.withBytes(span) { writeText(value: $0, &writer) }
        case .int(let v): writer.varintField(3, UInt64(bitPattern: v))
        case .double(let v): writer.doubleField(4, v)
        case .bool(let v): writer.varintField(2, v ? 1 : 0)
        }
    }

    /// The `AnyValue` fields of a text: `string_value`, or `bytes_value` when it is not UTF-8.
    static func writeText(value bytes: UnsafeRawBufferPointer, _ writer: inout ProtobufWriter) {
        writer.bytesField(UTF8Validation.isValid(bytes) ? 1 : 7, bytes)
    }

    /// A `string` field: `bytes` as is when UTF-8, else repaired (U+FFFD for each bad sequence).
    static func writeString(_ field: UInt32, _ bytes: UnsafeRawBufferPointer, _ writer: inout ProtobufWriter) {
        if UTF8Validation.isValid(bytes) {
            writer.bytesField(field, bytes)
        } else {
            writer.stringField(field, String(decoding: bytes, as: UTF8.self))
        }
    }
}
