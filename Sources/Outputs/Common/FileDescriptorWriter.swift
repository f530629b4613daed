import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes whole buffers to a file descriptor, retrying short writes and EINTR.
struct FileDescriptorWriter: Sendable {
    let fd: Int32
    let name: String

    /// Writes all of `buffer` or throws with the OS reason.
    func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError("write to \(name) failed: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }
}

/// An output failure with a one-line description.
struct OutputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
