@testable import Pipeline
import PipelineTesting
import XCTest

final class StageInboxTests: XCTestCase {
    private func stamps(_ batches: [EventBatch?]) -> [Int64] { batches.compactMap { $0.flatMap(TestBatches.firstTimestamp) } }

    func testFanInReadsRingsRoundRobin() {
        let inbox = StageInbox(maxEvents: 100)
        let a = inbox.makeRing(), b = inbox.makeRing(), c = inbox.makeRing()
        XCTAssertEqual(inbox.rings.count, 3)
        for t: Int64 in [10, 11, 12] { XCTAssertTrue(a.tryPush(TestBatches.logs(["a"], firstTimestamp: t))) }
        for t: Int64 in [20, 21] { XCTAssertTrue(b.tryPush(TestBatches.logs(["b"], firstTimestamp: t))) }
        XCTAssertTrue(c.tryPush(TestBatches.logs(["c"], firstTimestamp: 30)))
        XCTAssertEqual(inbox.eventCount, 6)
        XCTAssertEqual(stamps((0..<7).map { _ in inbox.tryNext() }), [10, 20, 30, 11, 21, 12])
        XCTAssertEqual(inbox.eventCount, 0)
    }

    func testRoundRobinDoesNotStarveALaterRing() {
        let inbox = StageInbox(maxEvents: 100)
        let a = inbox.makeRing(), b = inbox.makeRing()
        for t: Int64 in 0..<4 { XCTAssertTrue(a.tryPush(TestBatches.logs(["a"], firstTimestamp: t))) }
        XCTAssertEqual(stamps([inbox.tryNext()]), [0])
        XCTAssertTrue(b.tryPush(TestBatches.logs(["b"], firstTimestamp: 100)))
        XCTAssertEqual(stamps([inbox.tryNext(), inbox.tryNext()]), [100, 1], "b is next after a was read")
    }

    func testFinishedOnlyWhenEveryRingIsClosedAndDrained() async {
        let inbox = StageInbox(maxEvents: 100)
        let a = inbox.makeRing(), b = inbox.makeRing()
        XCTAssertTrue(a.tryPush(TestBatches.logs(["x"], firstTimestamp: 1)))
        a.close()
        XCTAssertFalse(inbox.isFinished, "a still holds a batch and b is open")
        b.close()
        XCTAssertFalse(inbox.isFinished)
        let first = await inbox.next()
        XCTAssertEqual(first.flatMap(TestBatches.firstTimestamp), 1)
        XCTAssertTrue(inbox.isFinished)
        let end = await inbox.next()
        XCTAssertNil(end)
        guard case .closed = await inbox.next(deadline: .now + .seconds(5)) else { return XCTFail("expected .closed") }
    }

    func testNextWithDeadlineTimesOut() async {
        let inbox = StageInbox(maxEvents: 100)
        _ = inbox.makeRing()
        let start = ContinuousClock.now
        let item = await inbox.next(deadline: start + .milliseconds(50))
        let elapsed = ContinuousClock.now - start
        guard case .timeout = item else { return XCTFail("expected .timeout, got \(item)") }
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(50))
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testNextWithPastDeadlineStillReturnsAQueuedBatch() async {
        let inbox = StageInbox(maxEvents: 100)
        let r = inbox.makeRing()
        XCTAssertTrue(r.tryPush(TestBatches.logs(["x"], firstTimestamp: 7)))
        guard case .batch(let b) = await inbox.next(deadline: .now - .seconds(1)) else { return XCTFail("expected a batch") }
        XCTAssertEqual(TestBatches.firstTimestamp(b), 7)
    }

    func testParkedConsumerWakesOnPush() async throws {
        let inbox = StageInbox(maxEvents: 100)
        let r = inbox.makeRing()
        let consumer = Task { await inbox.next(deadline: .now + .seconds(30)) }
        try await eventually(timeout: 10, "consumer parked") { inbox.signal.isWaiting }
        XCTAssertTrue(r.tryPush(TestBatches.logs(["x"], firstTimestamp: 42)))
        let item = try await withTimeout(seconds: 10) { await consumer.value }
        guard case .batch(let b) = item else { return XCTFail("expected a batch, got \(item)") }
        XCTAssertEqual(TestBatches.firstTimestamp(b), 42)
    }

    func testParkedConsumerWakesOnClose() async throws {
        let inbox = StageInbox(maxEvents: 100)
        let r = inbox.makeRing()
        let consumer = Task { await inbox.next() }
        try await eventually(timeout: 10, "consumer parked") { inbox.signal.isWaiting }
        r.close()
        let item = try await withTimeout(seconds: 10) { await consumer.value }
        XCTAssertNil(item)
    }

    func testCountsAcrossRings() {
        let inbox = StageInbox(maxEvents: 100)
        let a = inbox.makeRing(), b = inbox.makeRing()
        let three = TestBatches.logs(count: 3), five = TestBatches.logs(count: 5)
        XCTAssertTrue(a.tryPush(three))
        XCTAssertTrue(b.tryPush(five))
        XCTAssertEqual(inbox.eventCount, 8)
        XCTAssertEqual(inbox.byteCount, three.byteCount + five.byteCount)
        XCTAssertGreaterThan(inbox.byteCount, 0)
    }
}

extension BatchRing {
    /// Pushes a copy of `batch` if the budget admits it (tests keep their batches).
    func tryPush(_ batch: EventBatch) -> Bool {
        var slot: EventBatch? = batch
        return tryPush(&slot)
    }
}
