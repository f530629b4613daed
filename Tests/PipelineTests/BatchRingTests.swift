import Atomics
@testable import Pipeline
import PipelineTesting
import XCTest

final class BatchRingTests: XCTestCase {
    private func ring(maxEvents: Int, maxBytes: Int = .max) -> BatchRing {
        BatchRing(budget: QueueBudget(maxEvents: maxEvents, maxBytes: maxBytes), consumerSignal: StageSignal())
    }

    private func one(_ t: Int64) -> EventBatch { TestBatches.logs(["m"], firstTimestamp: t) }

    private func push(_ r: BatchRing, _ batch: EventBatch) -> Bool {
        var slot: EventBatch? = batch
        let pushed = r.tryPush(&slot)
        XCTAssertEqual(slot == nil, pushed, "a pushed batch leaves the slot empty, a refused one stays")
        return pushed
    }

    func testTryPushUntilEventsAreFull() {
        let r = ring(maxEvents: 10)
        XCTAssertTrue(push(r, TestBatches.logs(count: 4)))
        XCTAssertTrue(push(r, TestBatches.logs(count: 4)))
        XCTAssertFalse(push(r, TestBatches.logs(count: 4)), "8 + 4 > 10 events")
        XCTAssertTrue(push(r, TestBatches.logs(count: 2)), "8 + 2 fits exactly")
        XCTAssertFalse(push(r, TestBatches.logs(count: 1)))
        XCTAssertEqual(r.budget.eventCount, 10)
        XCTAssertGreaterThan(r.budget.byteCount, 0)
        _ = r.tryPop()
        XCTAssertEqual(r.budget.eventCount, 6)
        XCTAssertTrue(push(r, TestBatches.logs(count: 4)))
    }

    /// Small batches (one datagram, one drain POST) fill the event budget, not a slot count.
    func testOneEventBatchesFillTheWholeEventBudget() {
        let r = ring(maxEvents: 10_000)
        for i in 0..<10_000 { XCTAssertTrue(push(r, one(Int64(i))), "batch \(i)") }
        XCTAssertFalse(push(r, one(10_000)), "the 10,001st event is over max_events")
        XCTAssertEqual(r.budget.eventCount, 10_000)
        for i in 0..<10_000 { XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), Int64(i)) }
        XCTAssertNil(r.tryPop())
        XCTAssertTrue(r.isEmpty)
        XCTAssertEqual(r.budget.eventCount, 0)
    }

    func testTheByteBudgetBoundsToo() {
        let batch = TestBatches.logs(count: 10)
        let r = ring(maxEvents: 1_000_000, maxBytes: batch.byteCount * 3)
        for _ in 0..<3 { XCTAssertTrue(push(r, batch)) }
        XCTAssertFalse(push(r, batch), "a fourth batch is over max_size")
        XCTAssertEqual(r.budget.byteCount, batch.byteCount * 3)
        _ = r.tryPop()
        XCTAssertTrue(push(r, batch))
    }

    func testOversizedBatchIsAdmittedIntoAnEmptyQueue() {
        let r = ring(maxEvents: 10)
        XCTAssertTrue(push(r, TestBatches.logs(count: 50)), "an empty queue takes any batch, so nothing deadlocks")
        XCTAssertEqual(r.budget.eventCount, 50)
        XCTAssertFalse(push(r, TestBatches.logs(count: 1)), "but nothing more while it is queued")
        XCTAssertEqual(r.tryPop()?.count, 50)
        XCTAssertEqual(r.budget.eventCount, 0)
        XCTAssertEqual(r.budget.byteCount, 0)
        XCTAssertTrue(push(r, TestBatches.logs(count: 50)))
    }

    func testRingsOfOneInboxShareItsBudget() {
        let inbox = StageInbox(maxEvents: 10)
        let a = inbox.makeRing(), b = inbox.makeRing()
        XCTAssertTrue(push(a, TestBatches.logs(count: 6)))
        XCTAssertFalse(push(b, TestBatches.logs(count: 6)), "6 + 6 > 10 across the stage's rings")
        XCTAssertTrue(push(b, TestBatches.logs(count: 4)))
        XCTAssertEqual(inbox.eventCount, 10)
    }

    func testCloseLetsTheConsumerDrainFirst() {
        let r = ring(maxEvents: 100)
        XCTAssertTrue(push(r, one(1)))
        XCTAssertTrue(push(r, one(2)))
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
        let r = ring(maxEvents: 2)
        XCTAssertTrue(push(r, one(0)))
        XCTAssertTrue(push(r, one(1)))
        let pushed = ManagedAtomic(false)
        let third = one(2)
        let producer = Task {
            let ok = await r.push(third)
            pushed.store(ok, ordering: .sequentiallyConsistent)
        }
        try await eventually(timeout: 10, "producer parked") { r.producerSignal.isWaiting }
        XCTAssertFalse(pushed.load(ordering: .sequentiallyConsistent), "push must not return while the ring is full")
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 0)
        try await eventually(timeout: 10, "producer resumed") { pushed.load(ordering: .sequentiallyConsistent) }
        await producer.value
        XCTAssertEqual([r.tryPop(), r.tryPop()].compactMap { $0.flatMap(TestBatches.firstTimestamp) }, [1, 2])
    }

    /// An input cancelled at SIGTERM still delivers the batch it holds once there is room.
    func testAParkedPushOutlivesCancellation() async throws {
        let r = ring(maxEvents: 1)
        XCTAssertTrue(push(r, one(0)))
        let second = one(1)
        let producer = Task { await r.push(second) }
        try await eventually(timeout: 10, "producer parked") { r.producerSignal.isWaiting }
        producer.cancel()
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 0)
        let queued = try await withTimeout(seconds: 10) { await producer.value }
        XCTAssertTrue(queued)
        XCTAssertEqual(r.tryPop().flatMap(TestBatches.firstTimestamp), 1)
    }

    /// Shutdown relies on this: abandoning the inbox wakes a parked producer, which says it
    /// did not queue the batch.
    func testAbandoningTheBudgetWakesAParkedPush() async throws {
        let r = ring(maxEvents: 1)
        XCTAssertTrue(push(r, one(0)))
        let second = one(1)
        let producer = Task { await r.push(second) }
        try await eventually(timeout: 10, "producer parked") { r.producerSignal.isWaiting }
        r.budget.abandon()
        let queued = try await withTimeout(seconds: 10) { await producer.value }
        XCTAssertFalse(queued)
        XCTAssertEqual(r.budget.eventCount, 1, "the abandoned batch was not queued")
    }

    /// 200 000 one-event batches through a queue of 4 events (many segments): every park on
    /// either side must be woken, and everything must arrive once, in order.
    func testNoLostWakeUpsUnderContention() async throws {
        let total = 200_000
        let inbox = StageInbox(maxEvents: 4)
        let r = inbox.makeRing()
        let template = one(0)
        let result = try await withTimeout(seconds: 120) { () -> (count: Int, outOfOrder: Int) in
            let producer = Task {
                for i in 0..<total {
                    guard case .logs(var b) = template else { return }
                    b.setTimestamp(0, Int64(i))
                    _ = await r.push(.logs(b))
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
