import Foundation
@testable import Outputs
import PipelineTesting
import XCTest

final class DiskBufferRecoveryTests: XCTestCase {
    private typealias F = DiskBufferFixture

    private func segmentPath(_ directory: URL, _ id: UInt64) -> String {
        DiskBufferDirectory.segmentPath(directory.path, id)
    }

    /// XORs every byte of `range` in segment `id` with a random non-zero byte, so each one changes.
    private func damage(_ directory: URL, segment id: UInt64, _ range: Range<Int>) throws {
        let url = URL(fileURLWithPath: segmentPath(directory, id))
        var bytes = [UInt8](try Data(contentsOf: url))
        for i in range { bytes[i] ^= UInt8.random(in: 1...255) }
        try Data(bytes).write(to: url)
    }

    func testMissingDirectoryIsCreatedAndAnEmptyOneRecovers() async throws {
        let directory = try temporaryDirectory(self).appendingPathComponent("a/b")
        do {
            let buffer = try DiskBuffer(options: F.options(directory))
            var expected = DiskBufferStats()
            expected.segments = 1
            XCTAssertEqual(buffer.stats, expected)
            XCTAssertEqual(F.segmentNames(directory), ["00000000000000000001.seg"])
            let nothing = try await F.drain(buffer)
            XCTAssertTrue(nothing.isEmpty)
        }
        try Data("not a segment".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let buffer = try DiskBuffer(options: F.options(directory))
        XCTAssertEqual(buffer.stats.records, 0)
        XCTAssertEqual(buffer.stats.corrupt, 0)
        XCTAssertEqual(F.segmentNames(directory), ["00000000000000000002.seg"], "the empty, passed segment is deleted")
        _ = try buffer.tryAppend(F.record(1))
        let delivered = try await F.drain(buffer)
        XCTAssertEqual(delivered.map(\.1), [F.record(1)])
    }

    func testTruncatedLastRecordIsSkippedCountedAndAppendsContinue() async throws {
        let directory = try temporaryDirectory(self)
        let records = (0..<5).map { F.record($0) }
        var last = DiskBufferRecordID(segment: 0, offset: 0)
        do {
            let buffer = try DiskBuffer(options: F.options(directory))
            for record in records { last = try XCTUnwrap(try buffer.tryAppend(record)) }
        }
        let path = segmentPath(directory, last.segment)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(truncate(path, off_t(size - 3)), 0)

        let problems = F.Problems()
        let buffer = try DiskBuffer(options: F.options(directory), report: problems.report)
        XCTAssertEqual(problems.all, [.corrupt(path: path, offset: last.offset, bytes: size - 3 - last.offset,
                                               reason: "torn or damaged record header")])
        XCTAssertEqual(buffer.stats.corrupt, 1)
        XCTAssertEqual(buffer.stats.records, 4)
        let before = try await F.take(buffer, 4)
        XCTAssertEqual(before.map(\.1), Array(records[0..<4]))
        _ = try buffer.tryAppend(F.record(9))
        let after = try await F.drain(buffer)
        XCTAssertEqual(after.map(\.1), [F.record(9)])
        XCTAssertEqual(buffer.stats.corrupt, 1, "the reader does not count the same damage again")
    }

    /// Damage inside one body, across a body and the next header, and at random in the middle of segment 2.
    func testDamagedBytesInTheMiddleOfASegmentLoseOnlyTheRecordsTheyTouch() async throws {
        let start = Int.random(in: 200..<3500)
        for range in [1500..<1600, 1650..<1700, start..<(start + Int.random(in: 1...400))] {
            let directory = try temporaryDirectory(self)
            let records = (0..<60).map { F.record($0, bytes: 200) }
            var ids: [DiskBufferRecordID] = []
            do {
                let buffer = try DiskBuffer(options: F.options(directory, segmentBytes: 4096))
                for record in records { ids.append(try XCTUnwrap(try buffer.tryAppend(record))) }
            }
            XCTAssertEqual(Set(ids.map(\.segment)), [1, 2, 3, 4])
            try damage(directory, segment: 2, range)
            let touched = ids.indices.filter { i in
                ids[i].segment == 2 && ids[i].offset < range.upperBound && ids[i].offset + 32 + records[i].payload.count + records[i].metadata.count > range.lowerBound
            }
            XCTAssertFalse(touched.isEmpty)

            let buffer = try DiskBuffer(options: F.options(directory, segmentBytes: 4096))
            let delivered = try await F.drain(buffer)
            XCTAssertEqual(delivered.map(\.1), records.indices.filter { !touched.contains($0) }.map { records[$0] },
                           "damage over \(range)")
            XCTAssertTrue((1...touched.count).contains(buffer.stats.corrupt), "\(buffer.stats.corrupt) for \(range)")
            XCTAssertEqual(buffer.stats.records, delivered.count, "damaged records are not left counted")
        }
    }

    func testSegmentIsDeletedOnlyAfterThePositionIsSaved() async throws {
        let directory = try temporaryDirectory(self)
        let options = F.options(directory, segmentBytes: 1024, fsync: .interval(.seconds(3600)))
        let records = (0..<10).map { F.record($0, bytes: 200) }
        do {
            let problems = F.Problems()
            let buffer = try DiskBuffer(options: options, report: problems.report)
            for record in records { _ = try buffer.tryAppend(record) }
            XCTAssertEqual(F.segmentNames(directory).count, 3)
            let blocker = directory.appendingPathComponent("position.tmp")
            try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
            for (id, _) in try await F.take(buffer, 4) { buffer.release(id) }
            XCTAssertTrue(F.segmentNames(directory).contains("00000000000000000001.seg"), "the position could not be saved")
            XCTAssertTrue(problems.all.contains { if case .positionNotSaved = $0 { true } else { false } })

            try FileManager.default.removeItem(at: blocker)
            let fifth = try await F.take(buffer, 1)
            buffer.release(fifth[0].0)
            XCTAssertEqual(F.segmentNames(directory), ["00000000000000000002.seg", "00000000000000000003.seg"])
            XCTAssertEqual(DiskBufferPosition.load(directory.path, meter: DiskBufferReadMeter()),
                           .found(DiskBufferPosition(next: DiskBufferRecordID(segment: 2, offset: 238), released: [])))
        }
        let buffer = try DiskBuffer(options: options)
        let delivered = try await F.drain(buffer)
        XCTAssertEqual(delivered.map(\.1), Array(records[5...]))
    }

    func testLargeBacklogRecoversAndStreamsWithOneRecordInMemory() async throws {
        let directory = try temporaryDirectory(self)
        let options = F.options(directory, maxBytes: 16 << 20, segmentBytes: 1 << 20, fsync: .interval(.seconds(3600)))
        do {
            let buffer = try DiskBuffer(options: options)
            for i in 0..<2000 { XCTAssertNotNil(try buffer.tryAppend(F.record(i, bytes: 4096))) }
            buffer.close()
        }
        let buffer = try DiskBuffer(options: options)
        XCTAssertGreaterThan(buffer.stats.bytes, 8_000_000)
        XCTAssertGreaterThanOrEqual(buffer.stats.segments, 9)
        XCTAssertEqual(buffer.stats.records, 2000)
        XCTAssertEqual(buffer.largestRead, DiskBufferRecordFormat.headerBytes, "start-up reads headers, not records")
        for i in 0..<2000 {
            let (id, record) = try await F.take(buffer, 1)[0]
            XCTAssertEqual(record, F.record(i, bytes: 4096))
            buffer.release(id)
        }
        XCTAssertEqual(buffer.largestRead, 4096, "one payload at a time")
        XCTAssertEqual(buffer.stats.replayed, 2000)
        XCTAssertEqual(buffer.stats.records, 0)
        XCTAssertLessThanOrEqual(buffer.stats.segments, 2, "released segments are deleted as the reader goes")
        buffer.close()
    }

    func testCorruptPositionFileFallsBackToTheOldestSegment() async throws {
        let directory = try temporaryDirectory(self)
        let records = (0..<3).map { F.record($0) }
        do {
            let buffer = try DiskBuffer(options: F.options(directory))
            for record in records { _ = try buffer.tryAppend(record) }
            buffer.release(try await F.take(buffer, 1)[0].0)
            buffer.close()
        }
        let position = directory.appendingPathComponent(DiskBufferPosition.fileName)
        var bytes = [UInt8](try Data(contentsOf: position))
        bytes[10] ^= 0xFF
        try Data(bytes).write(to: position)

        let problems = F.Problems()
        let buffer = try DiskBuffer(options: F.options(directory), report: problems.report)
        XCTAssertEqual(problems.all, [.positionUnreadable(path: position.path, reason: "damaged position file")])
        let delivered = try await F.drain(buffer)
        XCTAssertEqual(delivered.map(\.1), records, "nothing lost: delivery starts at the oldest segment")
        XCTAssertEqual(buffer.stats.corrupt, 0)
    }
}
