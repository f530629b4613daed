#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// Reads whole /proc and /sys files into one reused byte buffer.
///
/// procfs files report a size of 0, so the file is read until end of file; the buffer
/// grows to the largest file seen and is kept for the next scrape.
struct ProcFileReader {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 16_384) {
        bytes.reserveCapacity(capacity)
    }

    /// Replaces `bytes` with the content of the file at `path`.
    mutating func read(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HostMetricsError.cannotRead(path, errno) }
        defer { close(fd) }
        bytes.removeAll(keepingCapacity: true)
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { chunk in
            while true {
                let n = Glibc.read(fd, chunk.baseAddress, chunk.count)
                if n == 0 { return }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HostMetricsError.cannotRead(path, errno)
                }
                bytes.append(contentsOf: chunk[..<n])
            }
        }
    }

    /// True when a file or directory exists at `path`.
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
