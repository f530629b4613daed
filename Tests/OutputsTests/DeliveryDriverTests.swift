import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

final class DeliveryDriverTests: DeliveryDriverTestCase {
    /// Starts `deliver` on its own task (it may sleep on the manual clock).
    private func start(_ driver: DeliveryDriver<TestProtocol, ManualClock>, _ payload: TestPayload) -> Task<Void, Never> {
        Task { await driver.deliver(payload) }
    }

    private func deadLetterLines() throws -> [[String: Any]] {
        try deadLetterText().map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testDeliveredAtFirstAttempt() async throws {
        await driver().deliver(TestPayload([1, 2, 3]))
        XCTAssertEqual(transport.bodies, ["1,2,3"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 3)
        XCTAssertFalse(metrics.failing.load(ordering: .relaxed))
        XCTAssertTrue(metrics.errorCounts.isEmpty)
    }

    func test503ThenSuccessRetriesAfterTheJitteredBackoff() async throws {
        transport.script([.answer(503, "busy")])
        let task = start(driver(), TestPayload([1, 2, 3]))
        try await eventually { self.clock.sleeps.count == 1 }
        XCTAssertEqual(clock.sleeps, [.microseconds(187_500)], "250ms backoff, jitter 0.5 → 187.5ms")
        XCTAssertTrue(metrics.failing.load(ordering: .relaxed), "failing while retrying")
        XCTAssertEqual(metrics.errorCounts.first { $0.0 == "http_5xx" }?.1, 1)
        XCTAssertEqual(logs.messages, ["test(t): 503 from http://receiver.test/write: busy; retry 2 in 187.5ms"])
        clock.advance(by: .milliseconds(187))
        XCTAssertEqual(transport.bodies.count, 1, "not before the backoff has passed")
        clock.advance(by: .microseconds(500))
        await task.value
        XCTAssertEqual(transport.bodies, ["1,2,3", "1,2,3"], "the same body again")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 3, "delivered once")
        XCTAssertFalse(metrics.failing.load(ordering: .relaxed), "cleared on success")
    }

    /// A signature carries its attempt's date, so every attempt is prepared again, never resent as is.
    func testEachAttemptIsPreparedAfresh() async throws {
        transport.script([.answer(503), .failure("connection reset")])
        let driver = driver()
        let task = start(driver, TestPayload([1, 2]))
        for n in 1...2 {
            try await eventually { self.clock.sleeps.count == n }
            clock.advance(by: clock.sleeps[n - 1])
        }
        await task.value
        XCTAssertEqual(transport.requests.map { $0.headers.first { $0.0 == "X-Attempt" }?.1 }, ["1", "2", "3"])
        XCTAssertEqual(driver.wire.prepared.withLockedValue { $0 }, 3)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
    }

    func testFailingHoldsWhileAnyPayloadRetries() async throws {
        transport.script([.answer(503)])
        let driver = driver()
        let retrying = start(driver, TestPayload([1]))
        try await eventually { self.clock.sleeps.count == 1 }
        await driver.deliver(TestPayload([2]))
        XCTAssertTrue(metrics.failing.load(ordering: .relaxed), "another lane's success does not hide a retrying one")
        clock.advance(by: clock.sleeps[0])
        await retrying.value
        XCTAssertFalse(metrics.failing.load(ordering: .relaxed))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
    }

    func testBackoffGrowsAcrossAttempts() async throws {
        transport.script(Array(repeating: .failure("cannot connect: connection refused"), count: 4))
        let task = start(driver(), TestPayload([1]))
        for n in 1...4 {
            try await eventually { self.clock.sleeps.count == n }
            clock.advance(by: clock.sleeps[n - 1])
        }
        await task.value
        XCTAssertEqual(clock.sleeps, [.microseconds(187_500), .microseconds(375_000), .microseconds(750_000), .microseconds(1_500_000)])
        XCTAssertEqual(metrics.errorCounts.first { $0.0 == "network" }?.1, 4)
        XCTAssertEqual(transport.bodies.count, 5)
    }

    func test429HonoursRetryAfterSeconds() async throws {
        transport.script([.answer(429, "slow down", headers: ["Retry-After": "5"])])
        let task = start(driver(), TestPayload([7]))
        try await eventually { self.clock.sleeps.count == 1 }
        XCTAssertEqual(clock.sleeps, [.seconds(5)], "Retry-After beats the 187.5ms backoff")
        clock.advance(by: .milliseconds(4999))
        XCTAssertEqual(transport.bodies.count, 1)
        clock.advance(by: .milliseconds(1))
        await task.value
        XCTAssertEqual(transport.bodies.count, 2)
        XCTAssertEqual(metrics.errorCounts.first { $0.0 == "http_429" }?.1, 1)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
    }

    func test503HonoursRetryAfterDate() async throws {
        let now: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT
        transport.script([.answer(503, headers: ["Retry-After": "Sun, 06 Nov 1994 08:49:49 GMT"])])
        let task = start(driver(nowSeconds: now), TestPayload([7]))
        try await eventually { self.clock.sleeps.count == 1 }
        XCTAssertEqual(clock.sleeps, [.seconds(12)])
        clock.advance(by: .seconds(12))
        await task.value
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
    }

    func test400GoesToTheDeadLetterFileWithTheResponse() async throws {
        transport.script([.answer(400, "bad label \"x\"")])
        await driver().deliver(TestPayload([1, 2, 3]))
        XCTAssertEqual(transport.bodies.count, 1, "never retried")
        XCTAssertEqual(metrics.dropCounts.first { $0.0 == "rejected" }?.1, 3)
        XCTAssertEqual(metrics.errorCounts.first { $0.0 == "http_4xx" }?.1, 1)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 0)
        let lines = try deadLetterLines()
        XCTAssertEqual(lines.count, 4, "a header line, then one line per event")
        let header = try XCTUnwrap(lines[0]["dead_letter"] as? [String: Any])
        XCTAssertEqual(header["output"] as? String, "t")
        XCTAssertEqual(header["url"] as? String, "http://receiver.test/write")
        XCTAssertEqual(header["status"] as? Int, 400)
        XCTAssertEqual(header["response"] as? String, "bad label \"x\"")
        XCTAssertEqual(header["events"] as? Int, 3)
        XCTAssertEqual(header["reason"] as? String, "test(t): 400 from http://receiver.test/write: bad label \"x\"")
        XCTAssertNotNil(lines[0]["timestamp"] as? String)
        XCTAssertEqual(lines.dropFirst().map { $0["id"] as? Int }, [1, 2, 3])
        XCTAssertEqual(logs.messages, ["test(t): 400 from http://receiver.test/write: bad label \"x\"; 3 events written to \(dataDirectory)/dead_letter/t.ndjson"])
    }

    func test413SplitsInHalvesAndSendsThemInOrder() async throws {
        transport.script([.answer(413), .answer(413)])
        await driver().deliver(TestPayload([1, 2, 3, 4, 5]))
        XCTAssertEqual(transport.bodies, ["1,2,3,4,5", "1,2", "1", "2", "3,4,5"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 5)
    }

    func test413OnASingleEventIsRejected() async throws {
        transport.script([.answer(413, "too large")])
        await driver().deliver(TestPayload([9]))
        XCTAssertEqual(metrics.dropCounts.first { $0.0 == "rejected" }?.1, 1)
        XCTAssertEqual(try deadLetterLines().count, 2)
    }

    func testPayloadsOverTheRequestLimitAreSplitBeforeSending() async throws {
        await driver(maxRequestSize: 20).deliver(TestPayload([1, 2, 3, 4, 5]))
        XCTAssertEqual(transport.bodies, ["1,2", "3", "4,5"], "size is 10 per event: halves until each is ≤ 20")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 5)
    }

    func testGivesUpAfterMaxDurationIntoTheDeadLetterFile() async throws {
        transport.script(Array(repeating: .answer(502, "gateway"), count: 100))
        let policy = DeliveryRetryLogic.Policy(initialBackoff: .seconds(1), maxBackoff: .seconds(4), maxDuration: .seconds(5))
        let task = start(driver(policy: policy), TestPayload([1, 2]))
        var slept = 0
        while !Task.isCancelled {
            try await eventually { self.clock.sleeps.count > slept || self.transport.bodies.count == 4 }
            if clock.sleeps.count == slept { break }
            clock.advance(by: clock.sleeps[slept])
            slept += 1
        }
        await task.value
        // Jitter 0.5 takes 3/4 of 1s, 2s, 4s; the third wait is cut to end at the 5s deadline.
        XCTAssertEqual(clock.sleeps, [.milliseconds(750), .milliseconds(1500), .milliseconds(2750)])
        XCTAssertEqual(transport.bodies.count, 4, "the attempt at the deadline is the last")
        XCTAssertEqual(metrics.dropCounts.first { $0.0 == "retry_expired" }?.1, 2)
        let header = try XCTUnwrap(try deadLetterLines().first?["dead_letter"] as? [String: Any])
        XCTAssertEqual(header["status"] as? Int, 502)
        XCTAssertTrue(logs.messages.last?.contains("(gave up after max_duration 5s); 2 events written to") ?? false, "\(logs.messages)")
    }

    func testCancellationWhileRetryingCountsTheAbandonedEvents() async throws {
        transport.script([.answer(503)])
        let task = start(driver(), TestPayload([1, 2, 3]))
        try await eventually { self.clock.sleeps.count == 1 }
        task.cancel()
        await task.value
        XCTAssertEqual(metrics.dropCounts.first { $0.0 == "shutdown" }?.1, 3)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(logs.messages.last, "test(t): stopped before delivering 3 events to http://receiver.test/write")
    }
}
