import Foundation
import NIOCore
@testable import Pipeline
import PipelineTesting
import XCTest

/// `TapPoint`: who gets what (subscribers, ports, limits), the bound that skips and counts,
/// and how a reader ends.
final class TapPointTests: XCTestCase {
    func testInactiveWithoutSubscribers() {
        let point = TapPoint(componentID: "c")
        XCTAssertFalse(point.isActive)
        let first = point.subscribe(), second = point.subscribe()
        XCTAssertTrue(point.isActive)
        point.unsubscribe(first)
        XCTAssertTrue(point.isActive, "one tap is still open")
        point.unsubscribe(second)
        XCTAssertFalse(point.isActive)
        point.publish(TestBatches.logs(count: 3), port: 0)  // nobody to give it to: nothing happens
    }

    func testEverySubscriberGetsEveryEventAsSpecJSON() async throws {
        let point = TapPoint(componentID: "c")
        let first = point.subscribe(), second = point.subscribe()
        point.publish(TestBatches.logs(["a", "b\nc"], firstTimestamp: 1_000_000_000), port: 0)
        point.publish(TestBatches.metrics(count: 1, name: "up"), port: 0)
        for subscription in [first, second] {
            let delivery = try await next(subscription)
            XCTAssertEqual(delivery.skipped, 0)
            XCTAssertEqual(delivery.chunks.map(\.events), [2, 1])
            XCTAssertEqual(lines(delivery), [
                #"{"timestamp":"1970-01-01T00:00:01.000000000Z","message":"a"}"#,
                #"{"timestamp":"1970-01-01T00:00:01.000000001Z","message":"b\nc"}"#,
                #"{"timestamp":"1970-01-01T00:00:00.000000000Z","name":"up","labels":{"i":"0"},"kind":"gauge","value":0}"#,
            ])
        }
        let shared = try await next(point.subscribe(), after: { point.publish(TestBatches.logs(count: 1), port: 0) })
        XCTAssertEqual(shared.chunks.count, 1)
    }

    func testPortFilter() async throws {
        let point = TapPoint(componentID: "route")
        let main = point.subscribe(port: 0), matched = point.subscribe(port: 1)
        point.publish(TestBatches.logs(["to matched"]), port: 1)
        point.publish(TestBatches.logs(["to default"]), port: 0)
        point.publish(TestBatches.logs(["to another port"]), port: 2)
        let mainLines = lines(try await next(main)), matchedLines = lines(try await next(matched))
        XCTAssertEqual(mainLines.count, 1)
        XCTAssertTrue(mainLines[0].contains("\"to default\""), "\(mainLines)")
        XCTAssertEqual(matchedLines.count, 1)
        XCTAssertTrue(matchedLines[0].contains("\"to matched\""), "\(matchedLines)")
    }

    func testFullTapSkipsAndCountsForItselfAlone() async throws {
        let point = TapPoint(componentID: "c")
        let tiny = point.subscribe(maxBytes: 1), roomy = point.subscribe()
        for _ in 0..<3 { point.publish(TestBatches.logs(count: 5), port: 0) }
        let first = try await next(tiny)
        XCTAssertEqual(first.chunks.map(\.events), [5], "the first batch fits, the bound is then reached")
        XCTAssertEqual(first.skipped, 10, "the next two batches are skipped and counted")
        XCTAssertEqual(tiny.skippedTotal, 10)
        let other = try await next(roomy)
        XCTAssertEqual(other.chunks.map(\.events), [5, 5, 5], "another tap loses nothing")
        XCTAssertEqual(roomy.skippedTotal, 0)

        point.publish(TestBatches.logs(count: 4), port: 0)
        point.publish(TestBatches.logs(count: 2), port: 0)
        let second = try await next(tiny)
        XCTAssertEqual(second.chunks.map(\.events), [4], "room again once the reader took what it held")
        XCTAssertEqual(second.skipped, 2, "skipped since the previous delivery")
        XCTAssertEqual(tiny.skippedTotal, 12)
    }

    func testHeldBytesStayBoundedWhileNobodyReads() async throws {
        let point = TapPoint(componentID: "c")
        let subscription = point.subscribe(maxBytes: 64 * 1024)
        let batch = TestBatches.logs(count: 100)
        let started = ContinuousClock.now
        for _ in 0..<2_000 { point.publish(batch, port: 0) }
        XCTAssertLessThan(started.duration(to: .now), .seconds(10), "publishing never waits for the reader")
        let delivery = try await next(subscription)
        let held = delivery.chunks.reduce(0) { $0 + $1.bytes.readableBytes }
        let batchBytes = delivery.chunks[0].bytes.readableBytes
        XCTAssertLessThan(held, 64 * 1024 + batchBytes, "the bound plus at most one batch")
        XCTAssertEqual(delivery.chunks.reduce(0) { $0 + $1.events } + delivery.skipped, 200_000, "every event kept or counted")
    }

    func testLimitStopsTakingWithoutCountingSkips() async throws {
        let point = TapPoint(componentID: "c")
        let subscription = point.subscribe(limit: 4)
        for _ in 0..<3 { point.publish(TestBatches.logs(count: 3), port: 0) }
        let delivery = try await next(subscription)
        XCTAssertEqual(delivery.chunks.map(\.events), [3, 3], "takes batches until it has its 4 events")
        XCTAssertEqual(delivery.skipped, 0, "events after the limit are not skips")
    }

    func testUnsubscribeEndsAWaitingReaderAfterWhatItHolds() async throws {
        let point = TapPoint(componentID: "c")
        let subscription = point.subscribe()
        let reader = Task { await subscription.next() }
        try await eventually("the reader parks") { subscription.hasParkedReader }
        point.publish(TestBatches.logs(count: 2), port: 0)
        let first = try await withTimeout(seconds: 10) { await reader.value }
        XCTAssertEqual(first?.chunks.map(\.events), [2], "a parked reader is woken by a batch")

        point.publish(TestBatches.logs(count: 1), port: 0)
        point.unsubscribe(subscription)
        point.publish(TestBatches.logs(count: 1), port: 0)
        let held = try await next(subscription)
        XCTAssertEqual(held.chunks.map(\.events), [1], "held events still come")
        let end = try await withTimeout(seconds: 10) { await subscription.next() }
        XCTAssertNil(end)
    }

    func testCancellingTheReaderEndsIt() async throws {
        let point = TapPoint(componentID: "c")
        let subscription = point.subscribe()
        let reader = Task { await subscription.next() }
        try await eventually("the reader parks") { subscription.hasParkedReader }
        reader.cancel()
        let result = try await withTimeout(seconds: 10) { await reader.value }
        XCTAssertNil(result)

        let busy = point.subscribe()
        point.publish(TestBatches.logs(count: 2), port: 0)
        let drained = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var deliveries = 0
            while await busy.next() != nil {
                deliveries += 1
                point.publish(TestBatches.logs(count: 1), port: 0)  // a component that keeps sending
            }
            return deliveries
        }
        let deliveries = try await withTimeout(seconds: 10) { await drained.value }
        XCTAssertEqual(deliveries, 1, "a cancelled reader gets what was held, then the end")
        point.unsubscribeAll()
        XCTAssertFalse(point.isActive)
    }

    func testFirstLinesCutsAtTheLimit() {
        let bytes = ByteBuffer(string: "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n")
        XCTAssertEqual(String(buffer: TapStream.firstLines(2, of: bytes)), "{\"a\":1}\n{\"a\":2}\n")
        XCTAssertEqual(String(buffer: TapStream.firstLines(3, of: bytes)), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n")
        XCTAssertEqual(String(buffer: TapStream.totalsLine(events: 2, skipped: 7)), "{\"tap\":{\"events\":2,\"skipped\":7}}\n")
        XCTAssertEqual(String(buffer: TapStream.noticeLine(skipped: 7)), "{\"tap\":{\"skipped\":7}}\n")
    }

    // MARK: Helpers

    /// The next delivery of `subscription` (after running `after`), bounded in time.
    private func next(_ subscription: TapSubscription, after: () -> Void = {}) async throws -> TapSubscription.Delivery {
        after()
        let delivery = try await withTimeout(seconds: 10) { await subscription.next() }
        return try XCTUnwrap(delivery, "the tap ended")
    }

    private func lines(_ delivery: TapSubscription.Delivery) -> [String] {
        delivery.chunks.flatMap { String(buffer: $0.bytes).split(separator: "\n").map(String.init) }
    }
}
