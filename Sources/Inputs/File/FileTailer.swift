import Foundation

/// Follows one path across rotation (rename + new file) and truncation.
///
/// Reads the open file to its end; at the end it compares the path's identity with the
/// open descriptor's: a different inode means the file was rotated, so the new file is
/// opened from its start once the old one is drained; a size below the read offset means
/// it was truncated, so reading restarts at 0.
final class FileTailer {
    let path: String
    private(set) var fd: Int32 = -1
    private(set) var device: UInt64 = 0
    private(set) var inode: UInt64 = 0
    /// Offset of the next byte to read in the open file.
    private(set) var offset: Int64 = 0

    init(path: String) { self.path = path }

    deinit { if fd >= 0 { close(fd) } }

    /// Opens the path, resuming at `checkpoint` when it names the same file, else at the
    /// start (or the end when `startAtEnd`). Returns false when the path does not exist yet.
    func open(checkpoint: FileCheckpoint?, startAtEnd: Bool) -> Bool {
        guard let (dev, ino, size) = Self.identity(path: path) else { return false }
        guard openFile() else { return false }
        if let c = checkpoint, c.device == dev, c.inode == ino, c.offset <= size {
            offset = c.offset
        } else {
            offset = checkpoint == nil && startAtEnd ? size : 0
        }
        lseek(fd, off_t(offset), SEEK_SET)
        return true
    }

    /// Reads up to `buffer.count` bytes; 0 at the current end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard fd >= 0 else { return 0 }
        let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
        if n > 0 { offset += Int64(n) }
        return max(0, n)
    }

    /// What happened to the path while the open file was read to its end.
    enum Change { case none, rotated, truncated, missing }

    /// Checks for rotation or truncation at end of file, and reopens accordingly.
    func checkForChange() -> Change {
        guard let (dev, ino, size) = Self.identity(path: path) else { return .missing }
        if dev != device || ino != inode {
            // The old file may have grown since the read that found its end: drain it first.
            var st = stat()
            if fstat(fd, &st) == 0, Int64(st.st_size) > offset { return .none }
            close(fd)
            fd = -1
            guard openFile() else { return .missing }
            offset = 0
            return .rotated
        }
        if size < offset {
            offset = 0
            lseek(fd, 0, SEEK_SET)
            return .truncated
        }
        return .none
    }

    private func openFile() -> Bool {
        let opened = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else { return false }
        var st = stat()
        fstat(opened, &st)
        fd = opened
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        return true
    }

    private static func identity(path: String) -> (UInt64, UInt64, Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino), Int64(st.st_size))
    }
}
