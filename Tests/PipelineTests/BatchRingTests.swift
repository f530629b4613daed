import Atomics
@testable import Pipeline
import PipelineTesting
import XCTest

final class BatchRingTests: XCTestCase {
    private func ring(slots: Int, maxEvents: Int) -> BatchRing {
        BatchRing(slots: slots, maxEvents: maxEvents, consumerSignal: StageSignal())
    }

    private func one(_ t: Int64) -> EventBatch { TestBatches.logs(["m"], firstTimestamp: t) }

    func testSlotsRoundUpToAPowerOfTwo() {
        XCTAssertEqual(ring(slots: 1, maxEvents: 10).capacity, 2)
        XCTAssertEqual(ring(slots: 3, maxEvents: 10).capacity, 4)
        XCTAssertEqual(ring(slots: 4, maxEvents: 10).capacity, 4)
        XCTAssertEqual(ring(slots: 100, maxEvents: 10).capacity, 128)
        XCTAssertEqual(ring(slots: 4, maxEvents: 0).maxEvents, 1)
    }

    func testTryPushUntilSlotsAreFull() {
        let r = ring(slots: 4, maxEvents: 1000)
        for i in 0..<4 { XCTAssertTrue(r.tryPush(one(Int64(i))), "slot \(i)") }
        XCTAssertFalse(r.tryPush(one(4)), "a fifth batch does not fit four slots")
        XCTAssertEqual(r.eventCount, 4)
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 0)
        XCTAssertTrue(r.tryPush(one(4)), "popping frees a slot")
        XCTAssertFalse(r.tryPush(one(5)))
        XCTAssertEqual((0..<4).compactMap { _ in r.tryPop().flatMap(TestBatches.firstTimestamp) }, [1, 2, 3, 4])
        XCTAssertNil(r.tryPop())
        XCTAssertTrue(r.isEmpty)
    }

    func testTryPushUntilEventsAreFull() {
        let r = ring(slots: 16, maxEvents: 10)
        XCTAssertTrue(r.tryPush(TestBatches.logs(count: 4)))
        XCTAssertTrue(r.tryPush(TestBatches.logs(count: 4)))
        XCTAssertFalse(r.tryPush(TestBatches.logs(count: 4)), "8 + 4 > 10 events")
        XCTAssertTrue(r.tryPush(TestBatches.logs(count: 2)), "8 + 2 fits exactly")
        XCTAssertFalse(r.tryPush(TestBatches.logs(count: 1)))
        XCTAssertEqual(r.eventCount, 10)
        XCTAssertGreaterThan(r.byteCount, 0)
        _ = r.tryPop()
        XCTAssertEqual(r.eventCount, 6)
        XCTAssertTrue(r.tryPush(TestBatches.logs(count: 4)))
    }

    func testOversizedBatchIsAdmittedIntoAnEmptyRing() {
        let r = ring(slots: 4, maxEvents: 10)
        XCTAssertTrue(r.tryPush(TestBatches.logs(count: 50)), "an empty ring takes any batch, so nothing deadlocks")
        XCTAssertEqual(r.eventCount, 50)
        XCTAssertFalse(r.tryPush(TestBatches.logs(count: 1)), "but nothing more while it is queued")
        XCTAssertEqual(r.tryPop()?.count, 50)
        XCTAssertEqual(r.eventCount, 0)
        XCTAssertEqual(r.byteCount, 0)
        XCTAssertTrue(r.tryPush(TestBatches.logs(count: 50)))
    }

    func testCloseLetsTheConsumerDrainFirst() {
        let r = ring(slots: 4, maxEvents: 100)
        XCTAssertTrue(r.tryPush(one(1)))
        XCTAssertTrue(r.tryPush(one(2)))
        XCTAssertFalse(r.isClosed)
        r.close()
        XCTAssertTrue(r.isClosed)
        XCTAssertFalse(r.isEmpty)
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 1)
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 2)
        XCTAssertNil(r.tryPop())
        XCTAssertTrue(r.isEmpty)
    }

    func testPushParksWhileFullAndResumesWhenTheConsumerPops() async throws {
        let r = ring(slots: 2, maxEvents: 100)
        XCTAssertTrue(r.tryPush(one(0)))
        XCTAssertTrue(r.tryPush(one(1)))
        let pushed = ManagedAtomic(false)
        let third = one(2)
        let producer = Task {
            await r.push(third)
            pushed.store(true, ordering: .sequentiallyConsistent)
        }
        try await eventually(timeout: 10, "producer parked") { r.producerSignal.isWaiting }
        XCTAssertFalse(pushed.load(ordering: .sequentiallyConsistent), "push must not return while the ring is full")
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 0)
        try await eventually(timeout: 10, "producer resumed") { pushed.load(ordering: .sequentiallyConsistent) }
        await producer.value
        XCTAssertEqual([r.tryPop(), r.tryPop()].compactMap { $0.flatMap(TestBatches.firstTimestamp) }, [1, 2])
    }

    /// 200 000 one-event batches through a 4-slot ring: every park on either side must be
    /// woken, and everything must arrive once, in order.
    func testNoLostWakeUpsUnderContention() async throws {
        let total = 200_000
        let inbox = StageInbox(slots: 4, maxEvents: 1_000_000)
        let r = inbox.makeRing()
        XCTAssertEqual(r.capacity, 4)
        let template = one(0)
        let result = try await withTimeout(seconds: 120) { () -> (count: Int, outOfOrder: Int) in
            let producer = Task {
                for i in 0..<total {
                    guard case .logs(var b) = template else { return }
                    b.setTimestamp(0, Int64(i))
                    await r.push(.logs(b))
                }
                r.close()
            }
            var count = 0, outOfOrder = 0
            while let batch = await inbox.next() {
                if TestBatches.firstTimestamp(batch) != Int64(count) { outOfOrder += 1 }
                count += 1
            }
            await producer.value
            return (count, outOfOrder)
        }
        XCTAssertEqual(result.count, total)
        XCTAssertEqual(result.outOfOrder, 0)
        XCTAssertTrue(inbox.isFinished)
    }
}
