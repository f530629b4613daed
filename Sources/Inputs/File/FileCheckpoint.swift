import Foundation

/// Where a `file` input stopped reading: the file's identity and the byte offset of the
/// first line not yet handed downstream. Stored as JSON in `data_dir/file_positions/`.
struct FileCheckpoint: Codable, Equatable {
    var path: String
    var device: UInt64
    var inode: UInt64
    var offset: Int64

    /// Reads the checkpoint at `location`, if any and readable.
    static func load(_ location: String) -> FileCheckpoint? {
        guard let data = FileManager.default.contents(atPath: location) else { return nil }
        return try? JSONDecoder().decode(FileCheckpoint.self, from: data)
    }

    /// Writes atomically (temporary file, fsync, rename) so a crash leaves the old or the new one.
    func save(_ location: String) throws {
        let data = try JSONEncoder().encode(self)
        let temporary = location + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileInputError("cannot write checkpoint \(temporary): \(String(cString: strerror(errno)))") }
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard rename(temporary, location) == 0 else {
            throw FileInputError("cannot rename checkpoint to \(location): \(String(cString: strerror(errno)))")
        }
    }
}

struct FileInputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
