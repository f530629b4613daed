import Foundation
@testable import Inputs
import XCTest

/// The tailer's reaction to each change of the path, driven step by step (no timing involved).
final class FileTailerTests: XCTestCase {
    private var path = ""

    override func setUpWithError() throws {
        path = try temporaryDirectory(self).appendingPathComponent("t.log").path
    }

    /// Reads everything available now.
    private func readAll(_ tailer: FileTailer) -> String {
        var out: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 7, alignment: 1)  // small: many reads
        defer { buffer.deallocate() }
        while true {
            let n = tailer.read(into: buffer)
            if n == 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testOpenFailsUntilTheFileExists() throws {
        let tailer = FileTailer(path: path)
        XCTAssertFalse(tailer.open(checkpoint: nil, startAtEnd: false))
        try append("x\n", to: path)
        XCTAssertTrue(tailer.open(checkpoint: nil, startAtEnd: false))
        XCTAssertEqual(readAll(tailer), "x\n")
        XCTAssertEqual(tailer.offset, 2)
        XCTAssertEqual(tailer.checkForChange(), .none)
    }

    func testStartAtEndAndCheckpoint() throws {
        try append("0123456789\n", to: path)
        let atEnd = FileTailer(path: path)
        XCTAssertTrue(atEnd.open(checkpoint: nil, startAtEnd: true))
        XCTAssertEqual(atEnd.offset, 11)
        XCTAssertEqual(readAll(atEnd), "")

        let resumed = FileTailer(path: path)
        let checkpoint = FileCheckpoint(path: path, device: atEnd.device, inode: atEnd.inode, offset: 5)
        XCTAssertTrue(resumed.open(checkpoint: checkpoint, startAtEnd: true))
        XCTAssertEqual(readAll(resumed), "56789\n")

        // A checkpoint beyond the end (file truncated while stopped) restarts at 0.
        let beyond = FileTailer(path: path)
        XCTAssertTrue(beyond.open(checkpoint: FileCheckpoint(path: path, device: atEnd.device, inode: atEnd.inode, offset: 99),
                                  startAtEnd: true))
        XCTAssertEqual(beyond.offset, 0)
        // A checkpoint of another file starts at 0, even with start_at: end.
        let other = FileTailer(path: path)
        XCTAssertTrue(other.open(checkpoint: FileCheckpoint(path: path, device: atEnd.device, inode: atEnd.inode &+ 1, offset: 5),
                                 startAtEnd: true))
        XCTAssertEqual(other.offset, 0)
    }

    func testRotationSwitchesToTheNewFileFromItsStart() throws {
        try append("old\n", to: path)
        let tailer = FileTailer(path: path)
        XCTAssertTrue(tailer.open(checkpoint: nil, startAtEnd: false))
        XCTAssertEqual(readAll(tailer), "old\n")
        let oldInode = tailer.inode
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        XCTAssertEqual(tailer.checkForChange(), .missing)
        try append("new\n", to: path)
        XCTAssertEqual(tailer.checkForChange(), .rotated)
        XCTAssertNotEqual(tailer.inode, oldInode)
        XCTAssertEqual(tailer.offset, 0)
        XCTAssertEqual(readAll(tailer), "new\n")
    }

    /// The old file grows between the read that hit its end and the rotation check
    /// (a writer appends, then the file is renamed): those lines must still be read.
    func testRotationDrainsTheOldFileFirst() throws {
        try append("old-1\n", to: path)
        let tailer = FileTailer(path: path)
        XCTAssertTrue(tailer.open(checkpoint: nil, startAtEnd: false))
        XCTAssertEqual(readAll(tailer), "old-1\n")
        try append("old-2\n", to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try append("new-1\n", to: path)
        // As in the input's loop: the read hit the end, so the path is checked, then read again.
        var seen = ""
        for _ in 0..<3 {
            _ = tailer.checkForChange()
            seen += readAll(tailer)
        }
        XCTAssertEqual(seen, "old-2\nnew-1\n")
    }

    func testTruncationRestartsAtZero() throws {
        try append("0123456789\n", to: path)
        let tailer = FileTailer(path: path)
        XCTAssertTrue(tailer.open(checkpoint: nil, startAtEnd: false))
        _ = readAll(tailer)
        XCTAssertEqual(truncate(path, 0), 0)
        try append("ab\n", to: path)
        XCTAssertEqual(tailer.checkForChange(), .truncated)
        XCTAssertEqual(tailer.offset, 0)
        XCTAssertEqual(readAll(tailer), "ab\n")
        XCTAssertEqual(tailer.checkForChange(), .none)
    }

    func testCheckpointSavesAtomicallyAndLoads() throws {
        let location = path + ".json"
        XCTAssertNil(FileCheckpoint.load(location))
        let c = FileCheckpoint(path: "/var/log/x.log", device: 1, inode: 2, offset: 3)
        try c.save(location)
        XCTAssertEqual(FileCheckpoint.load(location), c)
        XCTAssertFalse(FileManager.default.fileExists(atPath: location + ".tmp"))
        try "not json".write(toFile: location, atomically: true, encoding: .utf8)
        XCTAssertNil(FileCheckpoint.load(location), "a damaged checkpoint is ignored")
        XCTAssertThrowsError(try c.save(path + "/under-a-missing-folder/x.json"))
    }
}
