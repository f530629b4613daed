import CZlib
import NIOCore

/// gzip (RFC 1952) with the system zlib: request bodies of HTTP outputs
/// (`Content-Encoding: gzip`) and, in tests, the bodies receivers get.
///
/// A `Gzip` keeps its zlib state between calls (`deflateReset`), so compressing a request
/// allocates nothing but the output's growth. Level 1 by default: zlib's level 6 costs
/// about twice the CPU for a few percent of size on log text. Not thread-safe: one per task.
public final class Gzip {
    private var stream = z_stream()
    /// The compression level, 1 (fastest) to 9.
    public let level: Int32

    public init(level: Int32 = 1) {
        precondition((1...9).contains(level), "BUG: gzip level \(level) is outside 1...9")
        self.level = level
        let status = pipectl_deflate_init_gzip(&stream, level)
        precondition(status == Z_OK, "BUG: deflateInit2 failed (\(status))")
    }

    deinit { deflateEnd(&stream) }

    /// Compresses the readable bytes of `input` into `output` (cleared first) as one gzip member.
    public func compress(_ input: ByteBuffer, into output: inout ByteBuffer) {
        output.clear()
        deflateReset(&stream)
        input.withUnsafeReadableBytes { src in
            let bound = Int(deflateBound(&stream, uLong(src.count)))
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { dst in
                stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(dst.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "BUG: deflate did not finish within deflateBound (\(status))")
                return dst.count - Int(stream.avail_out)
            }
        }
    }

    /// Decompresses gzip (or zlib) data; nil when it is not valid, is cut short, or would
    /// exceed `limit` bytes uncompressed (a receiver's guard against decompression bombs).
    public static func decompress(_ input: ByteBuffer, limit: Int = 64 * 1024 * 1024) -> ByteBuffer? {
        if case .data(let output) = inflate(input, limit: limit) { return output }
        return nil
    }

    /// What `inflate` made of its input.
    public enum Inflated {
        case data(ByteBuffer)
        /// Not gzip or zlib, or cut short.
        case invalid
        /// More than the limit uncompressed (a receiver answers 413).
        case overLimit
    }

    /// Decompresses gzip (or zlib) data, telling damaged input from input over `limit`.
    public static func inflate(_ input: ByteBuffer, limit: Int) -> Inflated {
        var stream = z_stream()
        guard pipectl_inflate_init_gzip(&stream) == Z_OK else { return .invalid }
        defer { inflateEnd(&stream) }
        var output = ByteBufferAllocator().buffer(capacity: max(1024, min(limit, input.readableBytes * 4)))
        return input.withUnsafeReadableBytes { src -> Inflated in
            stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(src.count)
            while true {
                var status = Z_OK
                let room = min(64 * 1024, limit + 1 - output.readableBytes)
                guard room > 0 else { return .overLimit }
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { dst in
                    stream.next_out = dst.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(room)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return room - Int(stream.avail_out)
                }
                if output.readableBytes > limit { return .overLimit }
                switch status {
                case Z_STREAM_END: return stream.avail_in == 0 ? .data(output) : .invalid
                case Z_OK: continue
                case Z_BUF_ERROR where stream.avail_in > 0: continue
                default: return .invalid
                }
            }
        }
    }
}
