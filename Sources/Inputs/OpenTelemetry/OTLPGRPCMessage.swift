import Codecs
import NIOCore
import NIOHTTP1

/// OTLP/gRPC's wire pieces on top of HTTP/2: the three `Export` methods, the length-prefixed
/// message framing, and status codes (gRPC "PROTOCOL-HTTP2").
///
/// A message is `compressed-flag(1) length(4, big-endian) bytes`; an OTLP export is unary,
/// so a request body holds exactly one. The answer is `:status 200` with the response message
/// and trailers `grpc-status: 0`, or headers and trailers carrying the error.
enum OTLPGRPCMessage {
    /// The signal whose `Export` method `path` names, or nil.
    static func signal(forPath path: Substring) -> OTLPSignal? {
        switch path {
        case "/opentelemetry.proto.collector.trace.v1.TraceService/Export": .traces
        case "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export": .metrics
        case "/opentelemetry.proto.collector.logs.v1.LogsService/Export": .logs
        default: nil
        }
    }

    /// The one message of a unary request body, decompressed when its flag says so (with the
    /// request's `grpc-encoding`); or why it is not one.
    static func unframe(_ body: ByteBuffer, gzip: Bool, limit: Int) -> Result<ByteBuffer, OTLPRefusal> {
        var body = body
        guard let flag = body.readInteger(as: UInt8.self), let length = body.readInteger(endianness: .big, as: UInt32.self) else {
            return .failure(OTLPRefusal(.badRequest, "the body is not a gRPC message (shorter than its 5-byte prefix)"))
        }
        guard Int(length) == body.readableBytes else {
            return .failure(OTLPRefusal(.badRequest, "the gRPC message says \(length) bytes but \(body.readableBytes) follow (a unary call sends one message)"))
        }
        switch flag {
        case 0: return .success(body)
        case 1 where gzip:
            switch Gzip.inflate(body, limit: limit) {
            case .data(let inflated): return .success(inflated)
            case .invalid: return .failure(OTLPRefusal(.badRequest, "the message is not valid gzip"))
            case .overLimit: return .failure(OTLPRefusal(.payloadTooLarge, "message over max_body_bytes (\(limit)) once decompressed"))
            }
        case 1: return .failure(OTLPRefusal(.badRequest, "a compressed message without a grpc-encoding this receiver takes"))
        default: return .failure(OTLPRefusal(.badRequest, "gRPC message flag \(flag)"))
        }
    }

    /// `message` with its 5-byte prefix (uncompressed).
    static func frame(_ message: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(5 + message.readableBytes)
        out.writeInteger(UInt8(0))
        out.writeInteger(UInt32(message.readableBytes), endianness: .big)
        var message = message
        out.writeBuffer(&message)
        return out
    }

    /// The gRPC status a refusal is answered with. OTLP clients retry UNAVAILABLE (and
    /// RESOURCE_EXHAUSTED only with retry info, which pipectl does not send).
    static func code(_ refusal: OTLPRefusal) -> Int {
        switch refusal.status {
        case .badRequest: 3  // INVALID_ARGUMENT
        case .payloadTooLarge: 8  // RESOURCE_EXHAUSTED: not retried
        case .unauthorized: 16  // UNAUTHENTICATED
        case .notFound, .notImplemented: 12  // UNIMPLEMENTED: no such method, an encoding it does not take
        default: 14  // UNAVAILABLE: backpressure, shutdown; retried
        }
    }

    /// `text` as a `grpc-message` value: percent-encoded outside printable ASCII and `%`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
