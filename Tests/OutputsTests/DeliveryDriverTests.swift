import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

final class DeliveryDriverTests: XCTestCase {
    private var clock: ManualClock!
    private var transport: ScriptedTransport!
    private var metrics: ComponentMetrics!
    private var logs: LogCapture!
    private var dataDirectory = ""

    override func setUp() async throws {
        clock = ManualClock()
        transport = ScriptedTransport()
        metrics = ComponentMetrics(id: "t")
        logs = LogCapture()
        dataDirectory = try temporaryDirectory(self).path
    }

    private func driver(policy: DeliveryRetryLogic.Policy = .init(), maxRequestSize: Int = .max,
                        nowSeconds: Int64? = nil) -> DeliveryDriver<ManualClock> {
        let classifier = DeliveryClassifier(name: "test(t)", endpoint: transport.endpoint)
        var classify: (@Sendable (DeliveryResult) -> DeliveryOutcome)?
        if let nowSeconds {
            classify = { classifier.classify($0, nowSeconds: nowSeconds) }
        }
        return DeliveryDriver(name: "test(t)", transport: transport, policy: policy, maxRequestSize: maxRequestSize,
                              deadLetter: DeliveryDeadLetter(dataDirectory: dataDirectory, output: "t"), metrics: metrics,
                              log: RateLimitedLogger(logger: logs.logger(), burst: 100), clock: clock,
                              classify: classify,
                              random: { 0.5 })
    }

    /// Starts `deliver` on its own task (it may sleep on the manual clock).
    private func start(_ driver: DeliveryDriver<ManualClock>, _ payload: TestPayload) -> Task<Void, Never> {
        Task { await driver.deliver(payload) }
    }

    private func deadLetterLines() throws -> [[String: Any]] {
        let text = try String(contentsOfFile: "\(dataDirectory)/dead_letter/t.ndjson", encoding: .utf8)
        return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testDeliveredAtFirstAttempt() async throws {
        await driver().deliver(TestPayload([1, 2, 3]))
        XCTAssertEqual(transport.bodies, ["1,2,3"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 3)
        XCTAssertFalse(metrics.failing.load(ordering: .relaxed))
        XCTAssertTrue(metrics.errorCounts.isEmpty)
    }

    func test503ThenSuccessRetriesAfterTheJitteredBackoff() async throws {
        transport.script([.response(DeliveryResponse(status: 503, body: "busy"))])
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

    func testFailingHoldsWhileAnyPayloadRetries() async throws {
        transport.script([.response(DeliveryResponse(status: 503))])
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
        transport.script([.response(DeliveryResponse(status: 429, headers: ["Retry-After": "5"], body: "slow down"))])
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
        transport.script([.response(DeliveryResponse(status: 503, headers: ["Retry-After": "Sun, 06 Nov 1994 08:49:49 GMT"]))])
        let task = start(driver(nowSeconds: now), TestPayload([7]))
        try await eventually { self.clock.sleeps.count == 1 }
        XCTAssertEqual(clock.sleeps, [.seconds(12)])
        clock.advance(by: .seconds(12))
        await task.value
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
    }

    func test400GoesToTheDeadLetterFileWithTheResponse() async throws {
        transport.script([.response(DeliveryResponse(status: 400, body: "bad label \"x\""))])
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
        transport.script([.response(DeliveryResponse(status: 413)), .response(DeliveryResponse(status: 413))])
        await driver().deliver(TestPayload([1, 2, 3, 4, 5]))
        XCTAssertEqual(transport.bodies, ["1,2,3,4,5", "1,2", "1", "2", "3,4,5"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 5)
    }

    func test413OnASingleEventIsRejected() async throws {
        transport.script([.response(DeliveryResponse(status: 413, body: "too large"))])
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
        transport.script(Array(repeating: .response(DeliveryResponse(status: 502, body: "gateway")), count: 100))
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
        transport.script([.response(DeliveryResponse(status: 503))])
        let task = start(driver(), TestPayload([1, 2, 3]))
        try await eventually { self.clock.sleeps.count == 1 }
        task.cancel()
        await task.value
        XCTAssertEqual(metrics.dropCounts.first { $0.0 == "shutdown" }?.1, 3)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 0)
        XCTAssertEqual(logs.messages.last, "test(t): stopped before delivering 3 events to http://receiver.test/write")
    }
}

// MARK: - Test doubles

/// A payload of numbered events; its body is the numbers joined by commas; 10 bytes per event.
struct TestPayload: DeliveryPayload {
    let ids: [Int]

    init(_ ids: [Int]) { self.ids = ids }

    var eventCount: Int { ids.count }
    var size: Int { ids.count * 10 }
    var request: DeliveryRequest { DeliveryRequest(body: ByteBuffer(string: ids.map(String.init).joined(separator: ","))) }

    func split() -> (TestPayload, TestPayload)? {
        guard ids.count > 1 else { return nil }
        return (TestPayload(Array(ids[..<(ids.count / 2)])), TestPayload(Array(ids[(ids.count / 2)...])))
    }

    func writeEvents(into buffer: inout ByteBuffer) {
        for id in ids { buffer.writeString("{\"id\":\(id)}\n") }
    }
}

/// A transport answering from a script, then 200; records every body sent.
final class ScriptedTransport: DeliveryTransport {
    let endpoint = "http://receiver.test/write"
    private let state = NIOLockedValueBox<(script: [DeliveryResult], bodies: [String])>(([], []))

    func script(_ results: [DeliveryResult]) { state.withLockedValue { $0.script = results } }

    var bodies: [String] { state.withLockedValue { $0.bodies } }

    func send(_ request: DeliveryRequest) async -> DeliveryResult {
        state.withLockedValue { s in
            s.bodies.append(String(buffer: request.body))
            return s.script.isEmpty ? .response(DeliveryResponse(status: 200)) : s.script.removeFirst()
        }
    }

    func shutdown() async {}
}

/// A clock that moves only when the test says so; records every sleep's duration.
final class ManualClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
        static func + (a: Instant, d: Duration) -> Instant { a.advanced(by: d) }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var sleepers: [Sleeper] = []
    private var requested: [Duration] = []
    private var cancelled: Set<Int> = []
    private var nextID = 0

    var now: Instant { lock.withLock { current } }
    var minimumResolution: Duration { .zero }
    /// The duration of every sleep asked for, in order.
    var sleeps: [Duration] { lock.withLock { requested } }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = lock.withLock { () -> Int in
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = lock.withLock {
                    requested.append(current.duration(to: deadline))
                    if cancelled.contains(id) { return .failure(CancellationError()) }
                    if deadline <= current { return .success(()) }
                    sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper = lock.withLock { () -> Sleeper? in
                cancelled.insert(id)
                guard let at = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: at)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward, waking the sleepers whose deadline passed.
    func advance(by duration: Duration) {
        let due = lock.withLock { () -> [Sleeper] in
            current = current.advanced(by: duration)
            let due = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
