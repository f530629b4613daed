import CSnappy
import NIOCore

/// Snappy block format (not the framed format), as remote-write and Loki use it.
public enum Snappy {
    /// Compresses `input` into `output` (cleared first).
    public static func compress(_ input: ByteBuffer, into output: inout ByteBuffer) {
        output.clear()
        input.withUnsafeReadableBytes { src in
            var length = snappy_max_compressed_length(src.count)
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { dst in
                let status = snappy_compress(src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count,
                                             dst.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                precondition(status == SNAPPY_OK, "BUG: snappy_compress failed with a sufficient buffer")
                return length
            }
        }
    }

    /// Decompresses a snappy block; nil when it is not valid snappy.
    public static func uncompress(_ input: ByteBuffer) -> ByteBuffer? {
        input.withUnsafeReadableBytes { src -> ByteBuffer? in
            let base = src.baseAddress?.assumingMemoryBound(to: CChar.self)
            var length = 0
            guard snappy_uncompressed_length(base, src.count, &length) == SNAPPY_OK else { return nil }
            var output = ByteBufferAllocator().buffer(capacity: length)
            let ok = output.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { dst -> Int in
                var written = length
                let status = snappy_uncompress(base, src.count, dst.baseAddress!.assumingMemoryBound(to: CChar.self), &written)
                return status == SNAPPY_OK ? written : -1
            }
            return ok < 0 ? nil : output
        }
    }
}
