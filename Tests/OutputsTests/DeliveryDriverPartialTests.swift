import Foundation
import NIOConcurrencyHelpers
import NIOCore
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Per-item answers (`DeliveryOutcome.partial`), through the fake protocol's `items:` bodies.
final class DeliveryDriverPartialTests: DeliveryDriverTestCase {
    /// Runs `deliver` while advancing the clock through every backoff it asks for.
    private func deliver(_ payload: TestPayload, policy: DeliveryRetryLogic.Policy = .init()) async throws {
        try await deliverAdvancingClock(driver(policy: policy), payload, clock: clock)
    }

    /// Dead-letter records: (header, ids of its events).
    private func deadLetters() throws -> [(header: [String: Any], ids: [Int])] {
        var records: [(header: [String: Any], ids: [Int])] = []
        for line in try deadLetterText() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let header = object["dead_letter"] as? [String: Any] {
                records.append((header, []))
            } else {
                records[records.count - 1].ids.append(try XCTUnwrap(object["id"] as? Int))
            }
        }
        return records
    }

    func testOnlyFailedItemsAreSentAgainAndRejectedOnesDeadLettered() async throws {
        // Items 1..5: delivered, 429, 400, 409 (already there: delivered), 503.
        transport.script([.answer(200, "items:200,429,400,409,503")])
        try await deliver(TestPayload([1, 2, 3, 4, 5]))
        XCTAssertEqual(transport.bodies, ["1,2,3,4,5", "2,5"], "only the retryable items go again, in order")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 4, "1 and 4 at once, then 2 and 5")
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["rejected=1"])
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["item_4xx=1", "item_retry=2"], "counted per item")
        XCTAssertEqual(metrics.retries.load(ordering: .relaxed), 1)
        let records = try deadLetters()
        XCTAssertEqual(records.map(\.ids), [[3]])
        XCTAssertEqual(records[0].header["reason"] as? String, "test(t): item refused with 400")
        XCTAssertEqual(records[0].header["status"] as? Int, 400)
        XCTAssertTrue(logs.messages.contains("test(t): item refused with 429 (2 of 5 items to send again); retry 2 in 187.5ms"),
                      "\(logs.messages)")
        XCTAssertFalse(metrics.failing.load(ordering: .relaxed))
    }

    /// The subset's items are numbered afresh: an answer to it points into the subset.
    func testASubsetCanFailPerItemAgain() async throws {
        transport.script([.answer(200, "items:429,200,429,429"), .answer(200, "items:200,500,400")])
        try await deliver(TestPayload([10, 20, 30, 40]))
        XCTAssertEqual(transport.bodies, ["10,20,30,40", "10,30,40", "30"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 3)
        XCTAssertEqual(try deadLetters().map(\.ids), [[40]])
    }

    func testRejectedItemsGetOneDeadLetterRecordPerReason() async throws {
        transport.script([.answer(200, "items:400,404,200,400")])
        try await deliver(TestPayload([1, 2, 3, 4]))
        XCTAssertEqual(transport.bodies.count, 1, "nothing to retry")
        let records = try deadLetters()
        XCTAssertEqual(records.map(\.ids), [[1, 4], [2]])
        XCTAssertEqual(records.map { $0.header["events"] as? Int }, [2, 1])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
        XCTAssertEqual(metrics.dropCounts.first { $0.0 == "rejected" }?.1, 3)
    }

    /// A 413 on the retried subset splits that subset, not the payload it came from.
    /// A reason per item (Elasticsearch quotes each document) makes a record per reason only up
    /// to 16 of them; the rest share the first record of their kind and status.
    func testItemsRefusedForManyReasonsShareRecordsPast16() async throws {
        transport.script([.answer(200, "items:" + (Array(repeating: "422", count: 40) + ["400"]).joined(separator: ","))])
        try await deliver(TestPayload(Array(1...41)))
        let records = try deadLetters()
        XCTAssertEqual(records.count, 17, "16 reasons, then the 400 of its own")
        XCTAssertEqual(records[0].ids, [1] + Array(17...40), "past 16, the 422s join the first 422 record")
        XCTAssertEqual(records[1...15].map(\.ids), (2...16).map { [$0] })
        XCTAssertEqual(records[16].ids, [41])
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["rejected=41"])
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["item_4xx=41"], "still counted per item")
    }

    func testASubsetTooLargeIsSplitItself() async throws {
        transport.script([.answer(200, "items:200,429,429,429"), .answer(413)])
        try await deliver(TestPayload([1, 2, 3, 4]))
        XCTAssertEqual(transport.bodies, ["1,2,3,4", "2,3,4", "2", "3,4"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 4)
    }

    func testAnAnswerWithOnlyDeliveredItemsIsDone() async throws {
        transport.script([.answer(200, "items:201,409")])
        try await deliver(TestPayload([1, 2]))
        XCTAssertEqual(transport.bodies.count, 1)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
        XCTAssertTrue(metrics.errorCounts.isEmpty)
    }

    /// `max_duration` spans the whole payload: what is still failing then is written off, not what was delivered.
    func testMaxDurationWritesOffOnlyTheItemsStillFailing() async throws {
        transport.script([.answer(200, "items:200,429")] + Array(repeating: .answer(200, "items:429"), count: 10))
        try await deliver(TestPayload([1, 2]), policy: .init(initialBackoff: .seconds(1), maxBackoff: .seconds(1), maxDuration: .seconds(2)))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["retry_expired=1"])
        XCTAssertEqual(try deadLetters().map(\.ids), [[2]])
    }
}

/// Runs `driver.deliver(payload)` while advancing `clock` through every backoff it asks for.
func deliverAdvancingClock(_ driver: DeliveryDriver<TestProtocol, ManualClock>, _ payload: TestPayload,
                           clock: ManualClock) async throws {
    let finished = NIOLockedValueBox(false)
    let task = Task {
        await driver.deliver(payload)
        finished.withLockedValue { $0 = true }
    }
    var slept = 0
    while true {
        try await eventually { clock.sleeps.count > slept || finished.withLockedValue { $0 } }
        if clock.sleeps.count == slept { break }
        clock.advance(by: clock.sleeps[slept])
        slept += 1
    }
    await task.value
}
