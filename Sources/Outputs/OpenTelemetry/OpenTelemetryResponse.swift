import Codecs
import NIOCore

/// Reads the protobuf answers of an OTLP/HTTP receiver (OTLP specification, "OTLP/HTTP
/// Response"):
///
/// ```
/// Export*ServiceResponse { Export*PartialSuccess partial_success = 1; }
/// Export*PartialSuccess  { int64 rejected_<items> = 1; string error_message = 2; }
/// google.rpc.Status      { int32 code = 1; string message = 2; repeated Any details = 3; }
/// ```
/// The answer is read from the bytes the transport kept; a body that does not parse reads as
/// empty (a success without `partial_success`, a failure without a message).
enum OpenTelemetryResponse {
    /// What `partial_success` says: how many items were rejected and why (both zero or empty
    /// when the field is absent).
    static func partialSuccess(_ body: ByteBuffer) -> (rejected: Int64, message: String) {
        body.withUnsafeReadableBytes { bytes in
            var reader = ProtobufReader(bytes)
            var rejected: Int64 = 0, message = ""
            while let field = try? reader.next() {
                guard field.number == 1, case .bytes(let range) = field.value else { continue }
                var inner = reader.reader(for: range)
                while let f = try? inner.next() {
                    switch (f.number, f.value) {
                    case (1, .varint(let v)): rejected = Int64(bitPattern: v)
                    case (2, .bytes(let text)): message = inner.string(text)
                    default: break
                    }
                }
            }
            return (rejected, message)
        }
    }

    /// The `message` of a `google.rpc.Status` answer, if the body is one and has a message.
    static func statusMessage(_ body: ByteBuffer) -> String? {
        body.withUnsafeReadableBytes { bytes in
            var reader = ProtobufReader(bytes)
            var message: String?
            do {
                while let field = try reader.next() {
                    if field.number == 2, case .bytes(let range) = field.value { message = reader.string(range) }
                }
            } catch {
                return nil  // not protobuf: a text answer
            }
            return message
        }
    }
}
