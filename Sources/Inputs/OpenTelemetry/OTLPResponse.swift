import Codecs
import NIOCore

/// OTLP/HTTP response bodies, in the encoding of the request (protobuf or JSON).
///
/// A success is the signal's `Export*ServiceResponse`: empty when everything was taken, with
/// `partial_success {rejected_<items>, error_message}` when some items were refused. A
/// failure is a `google.rpc.Status {code, message}`.
enum OTLPResponse {
    /// The body of a 200 for `signal`; `rejected` items refused for `message`.
    static func success(_ signal: OTLPSignal, rejected: Int, message: String?, json: Bool) -> ByteBuffer {
        guard rejected > 0 || message != nil else { return ByteBuffer(string: json ? "{}" : "") }
        if json {
            var out = ByteBuffer(string: "{\"partialSuccess\":{\"\(rejectedName(signal))\":\"\(rejected)\"")
            if let message {
                out.writeStaticString(",\"errorMessage\":")
                JSONWriter.writeString(message, into: &out)
            }
            out.writeStaticString("}}")
            return out
        }
        var writer = ProtobufWriter()
        writer.messageField(1) { w in
            if rejected > 0 { w.varintField(1, UInt64(rejected)) }
            if let message { w.stringField(2, message) }
        }
        return writer.buffer
    }

    /// The body of a refusal: a `google.rpc.Status` with gRPC code `code` (3 invalid
    /// argument, 8 resource exhausted, 14 unavailable, 16 unauthenticated, …).
    static func status(code: Int, message: String, json: Bool) -> ByteBuffer {
        if json {
            var out = ByteBuffer(string: "{\"code\":\(code),\"message\":")
            JSONWriter.writeString(message, into: &out)
            out.writeStaticString("}")
            return out
        }
        var writer = ProtobufWriter()
        writer.varintField(1, UInt64(code))
        writer.stringField(2, message)
        return writer.buffer
    }

    /// The JSON name of the partial success count of `signal`.
    private static func rejectedName(_ signal: OTLPSignal) -> String {
        switch signal {
        case .logs: "rejectedLogRecords"
        case .metrics: "rejectedDataPoints"
        case .traces: "rejectedSpans"
        }
    }
}
