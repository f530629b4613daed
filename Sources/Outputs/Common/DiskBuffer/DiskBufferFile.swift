import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// A file of the disk buffer, read and written by position (`pread`/`pwrite`, retrying `EINTR`
/// and short counts) and closed when the last reference goes, so a reader or the flusher can
/// finish with a segment that the writer has moved on from.
final class DiskBufferFile: Sendable {
    let path: String
    private let fd: Int32
    private let meter: DiskBufferReadMeter

    /// Opens `path` with `flags` (`O_CLOEXEC` added; mode 0644 when created).
    init(path: String, flags: Int32, meter: DiskBufferReadMeter) throws {
        self.path = path
        self.meter = meter
        fd = open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error("open", path) }
    }

    deinit { close(fd) }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Self.error("write", path)
                }
                done += n
            }
        }
    }

    /// Up to `count` bytes from `offset`: fewer only where the file ends.
    func read(_ count: Int, at offset: Int) throws -> [UInt8] {
        meter.note(count)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                let n = pread(fd, buffer.baseAddress! + initialized, count - initialized, off_t(offset + initialized))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failed = n < 0
                    return
                }
                initialized += n
            }
        }
        if failed { throw Self.error("read", path) }
        return bytes
    }

    /// `fsync(2)`: the file's data and size are on stable storage.
    func sync() throws {
        guard fsync(fd) == 0 else { throw Self.error("fsync", path) }
    }

    /// The file's size in bytes.
    func size() throws -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.error("stat", path) }
        return Int(info.st_size)
    }

    /// Takes an exclusive `flock(2)` without waiting; false when another open file holds it.
    func tryLock() throws -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw Self.error("lock", path)
    }

    /// The last system call's failure, named.
    static func error(_ operation: String, _ path: String) -> DiskBufferError {
        .io(operation: operation, path: path, reason: String(cString: strerror(errno)))
    }
}

/// The largest single read a buffer has made, in bytes: the evidence that start-up and replay
/// hold one header, one record or one scan window at a time, never a segment or the backlog.
final class DiskBufferReadMeter: Sendable {
    private let largest = NIOLockedValueBox(0)

    /// Records a read of `count` bytes.
    func note(_ count: Int) {
        largest.withLockedValue { $0 = max($0, count) }
    }

    /// The largest read so far.
    var largestRead: Int { largest.withLockedValue { $0 } }
}
