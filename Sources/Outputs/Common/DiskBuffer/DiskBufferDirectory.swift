import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files of a buffer's directory:
///
///     00000000000000000001.seg    segments, numbered from 1, oldest first; the newest is written
///     00000000000000000002.seg
///     position                    the read position (`DiskBufferPosition`)
///     position.tmp                the next position while it is written
///     lock                        held with flock(2) while a buffer has the directory open
///
/// Foundation serves only start-up here (creating and listing the directory); reads and writes
/// go through `DiskBufferFile`.
enum DiskBufferDirectory {
    /// Segment file names are this many digits and `.seg`, so they sort by number.
    private static let digits = 20

    /// Creates `directory` and its parents if missing.
    static func create(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DiskBufferError.io(operation: "create directory", path: directory, reason: "\(error)")
        }
    }

    /// Holds the directory's lock file for as long as the returned file lives.
    static func lock(_ directory: String, meter: DiskBufferReadMeter) throws -> DiskBufferFile {
        let file = try DiskBufferFile(path: directory + "/lock", flags: O_RDWR | O_CREAT, meter: meter)
        guard try file.tryLock() else { throw DiskBufferError.locked(directory: directory) }
        return file
    }

    /// The path of segment `id`.
    static func segmentPath(_ directory: String, _ id: UInt64) -> String {
        let number = String(id)
        return directory + "/" + String(repeating: "0", count: max(0, digits - number.count)) + number + ".seg"
    }

    /// Numbers of the segment files present, ascending; other files are ignored.
    static func segmentIDs(_ directory: String) throws -> [UInt64] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DiskBufferError.io(operation: "list", path: directory, reason: "\(error)")
        }
        return names.compactMap { name -> UInt64? in
            guard name.utf8.count == digits + 4, name.hasSuffix(".seg"),
                  name.utf8.prefix(digits).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            return UInt64(name.prefix(digits))
        }.sorted()
    }

    /// `fsync(2)` on the directory, so files created, renamed or deleted there stay so after a crash.
    static func sync(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DiskBufferFile.error("open", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DiskBufferFile.error("fsync", directory) }
    }

    /// Deletes `path`; a file already gone is not an error.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw DiskBufferFile.error("delete", path) }
    }

    /// Renames `from` over `to` atomically.
    static func rename(_ from: String, over to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw DiskBufferFile.error("rename", from) }
    }
}
