import Codecs
import NIOCore

/// `compression:` of the opentelemetry output: the request body's `Content-Encoding`.
package enum OpenTelemetryCompression: String, Sendable, CaseIterable {
    case gzip, none
}

/// Writes request bodies into one buffer reused from request to request and compresses them.
///
/// Not thread-safe: the output's inbox task owns one; a payload split on a lane makes its own.
final class OpenTelemetryCompressor {
    let compression: OpenTelemetryCompression
    /// Kept for the compressor's life: its zlib state is reset, not rebuilt, per request.
    private let gzip: Gzip?
    private var writer = ProtobufWriter(buffer: ByteBufferAllocator().buffer(capacity: 64 * 1024))

    init(_ compression: OpenTelemetryCompression) {
        self.compression = compression
        gzip = compression == .gzip ? Gzip() : nil
    }

    /// The body `write` makes, compressed, and its uncompressed size.
    func body(_ write: (inout ProtobufWriter) -> Void) -> (body: ByteBuffer, size: Int) {
        writer.buffer.clear()
        write(&writer)
        var body = ByteBufferAllocator().buffer(capacity: compression == .none ? writer.buffer.readableBytes : 0)
        switch compression {
        case .gzip: gzip!.compress(writer.buffer, into: &body)
        case .none: body.writeImmutableBuffer(writer.buffer)
        }
        return (body, writer.buffer.readableBytes)
    }
}
