@testable import Outputs
import XCTest

final class DeliveryBatcherTests: XCTestCase {
    private typealias Batcher = DeliveryBatcher<ManualClock.Instant>
    private let t0 = ManualClock.Instant(offset: .seconds(100))
    private let limits = DeliveryBatchLimits(maxEvents: 3, maxBytes: 100, timeout: .seconds(1))

    func testFlushesByEventCount() {
        var batcher = Batcher(limits: limits)
        XCTAssertEqual(batcher.add(bytes: 1, now: t0), .none)
        XCTAssertEqual(batcher.add(bytes: 1, now: t0), .none)
        XCTAssertEqual(batcher.add(bytes: 1, now: t0), .flush(.events), "the third event fills max_events")
        batcher.reset()
        XCTAssertTrue(batcher.isEmpty)
        XCTAssertNil(batcher.deadline)
        XCTAssertEqual(batcher.add(bytes: 1, now: t0), .none, "a reset batcher counts from zero")
    }

    func testFlushesByBytesBeforeAnItemThatWouldOverflow() {
        var batcher = Batcher(limits: limits)
        XCTAssertTrue(batcher.fits(bytes: 60))
        XCTAssertEqual(batcher.add(bytes: 60, now: t0), .none)
        XCTAssertFalse(batcher.fits(bytes: 41), "60 + 41 > 100: flush first, then add")
        XCTAssertTrue(batcher.fits(bytes: 40))
        XCTAssertEqual(batcher.add(bytes: 40, now: t0), .flush(.bytes), "exactly max_bytes is full")
        batcher.reset()
        XCTAssertTrue(batcher.fits(bytes: 1000), "an empty batch takes an oversized item, which then goes alone")
        XCTAssertEqual(batcher.add(bytes: 1000, now: t0), .flush(.bytes))
    }

    func testFlushesByTimeFromTheFirstEvent() {
        var batcher = Batcher(limits: limits)
        XCTAssertNil(batcher.deadline)
        XCTAssertEqual(batcher.check(now: t0 + .seconds(60)), .none, "an empty batch is never due")
        _ = batcher.add(bytes: 1, now: t0)
        XCTAssertEqual(batcher.deadline, t0 + .seconds(1))
        _ = batcher.add(bytes: 1, now: t0 + .milliseconds(900))
        XCTAssertEqual(batcher.deadline, t0 + .seconds(1), "later events do not extend the deadline")
        XCTAssertEqual(batcher.check(now: t0 + .milliseconds(999)), .none)
        XCTAssertEqual(batcher.check(now: t0 + .seconds(1)), .flush(.timeout))
        batcher.reset()
        _ = batcher.add(bytes: 1, now: t0 + .seconds(5))
        XCTAssertEqual(batcher.deadline, t0 + .seconds(6), "the next batch's clock starts at its first event")
    }

    func testCountsEventsAndBytes() {
        var batcher = Batcher(limits: DeliveryBatchLimits(maxEvents: 100, maxBytes: 1000, timeout: .seconds(1)))
        _ = batcher.add(events: 10, bytes: 200, now: t0)
        _ = batcher.add(events: 5, bytes: 50, now: t0)
        XCTAssertEqual(batcher.events, 15)
        XCTAssertEqual(batcher.bytes, 250)
        XCTAssertEqual(batcher.add(events: 85, bytes: 0, now: t0), .flush(.events))
    }
}
