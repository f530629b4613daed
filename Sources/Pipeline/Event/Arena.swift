#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Helpers shared by log and metric batches for the byte arena that holds their strings.
extension ByteBuffer {
    /// Appends bytes to the arena and returns where they landed.
    mutating func appendSpan(_ bytes: UnsafeRawBufferPointer) -> ByteSpan {
        let offset = writerIndex
        writeBytes(bytes)
        return ByteSpan(offset: offset, length: bytes.count)
    }

    /// Appends a string to the arena and returns where it landed.
    mutating func appendSpan(_ string: String) -> ByteSpan {
        let offset = writerIndex
        let count = writeString(string)
        return ByteSpan(offset: offset, length: count)
    }

    /// Calls `body` with the bytes of `span`.
    func withSpan<R>(_ span: ByteSpan, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeReadableBytes { all in
            let start = Int(span.offset) - readerIndex
            return try body(UnsafeRawBufferPointer(rebasing: all[start..<(start + Int(span.length))]))
        }
    }

    /// True when the bytes of `span` equal `other`.
    func spanEquals(_ span: ByteSpan, _ other: UnsafeRawBufferPointer) -> Bool {
        guard Int(span.length) == other.count else { return false }
        if other.count == 0 { return true }
        return withSpan(span) { memcmp($0.baseAddress!, other.baseAddress!, other.count) == 0 }
    }

    /// The bytes of `span` as a `String` (off the hot path only).
    func spanString(_ span: ByteSpan) -> String {
        getString(at: Int(span.offset), length: Int(span.length)) ?? ""
    }
}
