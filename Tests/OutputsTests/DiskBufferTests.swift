import Foundation
import NIOConcurrencyHelpers
@testable import Outputs
import PipelineTesting
import XCTest

/// What the disk buffer tests share.
enum DiskBufferFixture {
    static func options(_ directory: URL, maxBytes: Int = 1 << 20, segmentBytes: Int = 4096,
                        fsync: DiskBufferFsync = .always) -> DiskBufferOptions {
        DiskBufferOptions(directory: directory.path, maxBytes: maxBytes, segmentBytes: segmentBytes, fsync: fsync)
    }

    /// Record `i`: `bytes` payload bytes that depend on `i`, metadata naming it, and 1...7 events.
    static func record(_ i: Int, bytes: Int = 100) -> DiskBufferRecord {
        DiskBufferRecord(events: i % 7 + 1, payload: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) },
                         metadata: Array("item \(i)".utf8))
    }

    /// The next `count` records (10 s at most).
    static func take(_ buffer: DiskBuffer, _ count: Int) async throws -> [(DiskBufferRecordID, DiskBufferRecord)] {
        try await withTimeout(seconds: 10) {
            var taken: [(DiskBufferRecordID, DiskBufferRecord)] = []
            while taken.count < count, let next = try await buffer.next() { taken.append(next) }
            return taken
        }
    }

    /// Closes `buffer` and hands out everything left.
    static func drain(_ buffer: DiskBuffer) async throws -> [(DiskBufferRecordID, DiskBufferRecord)] {
        buffer.close()
        return try await take(buffer, .max)
    }

    /// The segment files in `directory`, sorted.
    static func segmentNames(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
    }

    /// Collects what a buffer reports.
    final class Problems: Sendable {
        private let box = NIOLockedValueBox<[DiskBufferProblem]>([])
        var all: [DiskBufferProblem] { box.withLockedValue { $0 } }
        var report: @Sendable (DiskBufferProblem) -> Void { { [box] problem in box.withLockedValue { $0.append(problem) } } }
    }
}

final class DiskBufferTests: XCTestCase {
    private typealias F = DiskBufferFixture

    func testRoundTripInOrderAcrossSegments() async throws {
        let directory = try temporaryDirectory(self)
        let buffer = try DiskBuffer(options: F.options(directory, segmentBytes: 1024))
        let records = (0..<12).map { F.record($0, bytes: 50 + 20 * $0) }
        var ids: [DiskBufferRecordID] = []
        for record in records { ids.append(try XCTUnwrap(try buffer.tryAppend(record))) }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertGreaterThan(Set(ids.map(\.segment)).count, 2, "records span several segments")
        XCTAssertEqual(F.segmentNames(directory).first, "00000000000000000001.seg")
        XCTAssertEqual(buffer.stats.records, 12)
        XCTAssertEqual(buffer.stats.events, records.reduce(0) { $0 + $1.events })

        let taken = try await F.take(buffer, 12)
        XCTAssertEqual(taken.map(\.0), ids)
        XCTAssertEqual(taken.map(\.1), records)
        XCTAssertEqual(buffer.stats.records, 12, "handed out is not released")
        for id in ids { buffer.release(id) }
        XCTAssertEqual(buffer.stats.records, 0)
        XCTAssertEqual(buffer.stats.events, 0)
        XCTAssertEqual(buffer.stats.written, 12)
        XCTAssertEqual(buffer.stats.replayed, 0)
        XCTAssertEqual(F.segmentNames(directory).count, 1, "released sealed segments are deleted")
    }

    func testReleaseOutOfOrderThenRestartHandsOutOnlyUnreleased() async throws {
        let directory = try temporaryDirectory(self)
        let records = (0..<5).map { F.record($0) }
        do {
            let buffer = try DiskBuffer(options: F.options(directory))
            for record in records { _ = try buffer.tryAppend(record) }
            let taken = try await F.take(buffer, 5)
            for i in [3, 0, 2] { buffer.release(taken[i].0) }
            buffer.close()
        }
        let buffer = try DiskBuffer(options: F.options(directory))
        XCTAssertEqual(buffer.stats.records, 2)
        XCTAssertEqual(buffer.stats.events, records[1].events + records[4].events)
        let delivered = try await F.drain(buffer)
        XCTAssertEqual(delivered.map(\.1), [records[1], records[4]])
        XCTAssertEqual(buffer.stats.replayed, 2)
    }

    func testCrashAfterAlwaysKeepsEverythingAppended() async throws {
        let directory = try temporaryDirectory(self)
        let records = (0..<20).map { F.record($0) }
        weak var abandoned: DiskBuffer?
        do {
            let buffer = try DiskBuffer(options: F.options(directory, segmentBytes: 1024, fsync: .always))
            abandoned = buffer
            for record in records { _ = try buffer.tryAppend(record) }
            _ = try await F.take(buffer, 5)
            XCTAssertEqual(buffer.stats.syncs, 20, "every append synced before it returned")
            // No close: the instance is abandoned as a killed process would leave it.
        }
        // Its lock goes with it, as a killed process's does; a task of `take` may hold it a moment longer.
        try await eventually("the abandoned instance is gone") { abandoned == nil }
        let buffer = try DiskBuffer(options: F.options(directory, segmentBytes: 1024))
        let delivered = try await F.drain(buffer)
        XCTAssertEqual(delivered.map(\.1), records, "handed out but unreleased records come back too")
        XCTAssertEqual(buffer.stats.corrupt, 0)
    }

    func testNextWaitsForAnAppend() async throws {
        let buffer = try DiskBuffer(options: F.options(try temporaryDirectory(self)))
        let reader = Task { try await F.take(buffer, 1) }
        try await Task.sleep(for: .milliseconds(20))
        _ = try buffer.tryAppend(F.record(7))
        let taken = try await reader.value
        XCTAssertEqual(taken.map(\.1), [F.record(7)])
        let cancelled = Task { try await buffer.next() }
        cancelled.cancel()
        do {
            _ = try await cancelled.value
            XCTFail("a cancelled next throws")
        } catch {
            XCTAssertTrue(error is CancellationError)
        }
    }

    func testFullBufferRefusesTryAppendAndAppendWaitsForARelease() async throws {
        let directory = try temporaryDirectory(self)
        let buffer = try DiskBuffer(options: F.options(directory, maxBytes: 2048, segmentBytes: 1024))
        var appended = 0
        while try buffer.tryAppend(F.record(appended, bytes: 200)) != nil { appended += 1 }
        XCTAssertEqual(appended, 8, "four 238-byte records per 1024-byte segment, two segments")
        XCTAssertLessThanOrEqual(buffer.stats.bytes, 2048)

        let done = NIOLockedValueBox<DiskBufferRecordID?>(nil)
        let waiting = Task {
            let id = try await buffer.append(F.record(100, bytes: 200))
            done.withLockedValue { $0 = id }
        }
        let first = try await F.take(buffer, 4)
        for (id, _) in first.dropLast() { buffer.release(id) }
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertNil(done.withLockedValue { $0 }, "the first segment is not wholly released yet")
        buffer.release(first[3].0)
        try await eventually { done.withLockedValue { $0 } != nil }
        try await waiting.value
        XCTAssertLessThanOrEqual(buffer.stats.bytes, 2048)
        let rest = try await F.drain(buffer)
        XCTAssertEqual(rest.map(\.1), (4..<8).map { F.record($0, bytes: 200) } + [F.record(100, bytes: 200)])
    }

    func testWaitingAppendAnswersNilOnCloseAndOnCancel() async throws {
        let buffer = try DiskBuffer(options: F.options(try temporaryDirectory(self), maxBytes: 1024, segmentBytes: 1024))
        while try buffer.tryAppend(F.record(0, bytes: 200)) != nil {}
        let cancelled = Task { try await buffer.append(F.record(1, bytes: 200)) }
        cancelled.cancel()
        let cancelledResult = try await cancelled.value
        XCTAssertNil(cancelledResult)
        let closed = Task { try await buffer.append(F.record(2, bytes: 200)) }
        try await Task.sleep(for: .milliseconds(20))
        buffer.close()
        let closedResult = try await closed.value
        XCTAssertNil(closedResult)
        XCTAssertThrowsError(try buffer.tryAppend(F.record(3))) { XCTAssertEqual($0 as? DiskBufferError, .closed(directory: buffer.options.directory)) }
    }

    func testRecordLargerThanASegmentIsRefused() throws {
        let buffer = try DiskBuffer(options: F.options(try temporaryDirectory(self), segmentBytes: 1024))
        XCTAssertNotNil(try buffer.tryAppend(DiskBufferRecord(events: 1, payload: [UInt8](repeating: 1, count: 992))))
        XCTAssertThrowsError(try buffer.tryAppend(DiskBufferRecord(events: 1, payload: [UInt8](repeating: 1, count: 990), metadata: [1, 2, 3]))) {
            XCTAssertEqual($0 as? DiskBufferError, .recordTooLarge(bytes: 1025, limit: 1024))
            XCTAssertEqual("\($0)", "disk buffer: a record of 1025 bytes with its header is over the segment size of 1024 bytes")
        }
    }

    func testFsyncIntervalSyncsInTheBackgroundAndOnClose() async throws {
        let slow = try DiskBuffer(options: F.options(try temporaryDirectory(self), fsync: .interval(.seconds(3600))))
        for i in 0..<10 { _ = try slow.tryAppend(F.record(i)) }
        XCTAssertEqual(slow.stats.syncs, 0, "no sync before the interval")
        slow.close()
        XCTAssertEqual(slow.stats.syncs, 1, "close syncs")

        let fast = try DiskBuffer(options: F.options(try temporaryDirectory(self), fsync: .interval(.milliseconds(20))))
        _ = try fast.tryAppend(F.record(0))
        try await eventually { fast.stats.syncs == 1 }
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(fast.stats.syncs, 1, "nothing new, nothing synced")
        fast.close()
    }

    func testOldestAgeFollowsTheOldestUnreleasedRecord() async throws {
        let clock = NIOLockedValueBox<Int64>(100)
        let buffer = try DiskBuffer(options: F.options(try temporaryDirectory(self)), now: { clock.withLockedValue { $0 } })
        XCTAssertEqual(buffer.stats.oldestAge, 0)
        for time in [100, 200, 300] as [Int64] {
            clock.withLockedValue { $0 = time }
            _ = try buffer.tryAppend(F.record(Int(time)))
        }
        clock.withLockedValue { $0 = 1000 }
        XCTAssertEqual(buffer.stats.oldestAge, 900, "unread, read from its header")
        let taken = try await F.take(buffer, 3)
        buffer.release(taken[0].0)
        buffer.release(taken[2].0)
        XCTAssertEqual(buffer.stats.oldestAge, 800, "the second is still out")
        buffer.release(taken[1].0)
        XCTAssertEqual(buffer.stats.oldestAge, 0)
    }

    func testASecondBufferOnTheSameDirectoryIsRefused() throws {
        let directory = try temporaryDirectory(self)
        let first = try DiskBuffer(options: F.options(directory))
        XCTAssertThrowsError(try DiskBuffer(options: F.options(directory))) {
            XCTAssertEqual($0 as? DiskBufferError, .locked(directory: directory.path))
        }
        first.close()
    }

    func testBadOptionsAreRefused() throws {
        let directory = try temporaryDirectory(self)
        XCTAssertThrowsError(try DiskBuffer(options: F.options(directory, maxBytes: 1000, segmentBytes: 4096)))
        XCTAssertThrowsError(try DiskBuffer(options: F.options(directory, segmentBytes: 32)))
        XCTAssertThrowsError(try DiskBuffer(options: F.options(directory, fsync: .interval(.zero))))
        XCTAssertEqual(DiskBufferOptions(directory: "d", maxBytes: 1 << 30).segmentBytes, 32 << 20)
        XCTAssertEqual(DiskBufferOptions(directory: "d", maxBytes: 64 << 20).segmentBytes, 8 << 20)
        XCTAssertEqual(DiskBufferOptions(directory: "d", maxBytes: 4 << 20).segmentBytes, 1 << 20)
        XCTAssertEqual(DiskBufferOptions(directory: "d", maxBytes: 4096).segmentBytes, 4096)
    }
}
