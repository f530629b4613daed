import Atomics
import Logging
import Pipeline
import PipelineTesting
import XCTest

final class RateLimitedLoggerTests: XCTestCase {
    private let clock = SteppedClock()
    private let capture = LogCapture()

    private func limited(burst: Int, period: Duration = .seconds(10)) -> RateLimitedLogger {
        RateLimitedLogger(logger: capture.logger(), burst: burst, period: period, clock: clock)
    }

    func testBurstThenSuppression() {
        let log = limited(burst: 3)
        for i in 0..<10 { log.warning("problem \(i)") }
        XCTAssertEqual(capture.entries, (0..<3).map { LogCapture.Entry(level: .warning, message: "problem \($0)") })
    }

    func testDefaultBurstIsFive() {
        let log = RateLimitedLogger(logger: capture.logger())
        for i in 0..<8 { log.error("e\(i)") }
        XCTAssertEqual(capture.messages, ["e0", "e1", "e2", "e3", "e4"])
        XCTAssertEqual(Set(capture.entries.map(\.level)), [.error])
    }

    func testSuppressedMessagesAreNotBuilt() {
        let log = limited(burst: 2)
        let built = ManagedAtomic(0)
        func message() -> String {
            built.wrappingIncrement(ordering: .relaxed)
            return "expensive"
        }
        for _ in 0..<100 { log.warning(message()) }
        XCTAssertEqual(capture.messages.count, 2)
        XCTAssertEqual(built.load(ordering: .relaxed), 2, "the autoclosure runs only for messages that are logged")
    }

    func testNextPeriodReportsHowManyWereHeldBack() {
        let log = limited(burst: 2, period: .milliseconds(300))
        for i in 0..<5 { log.warning("m\(i)") }
        clock.advance(by: .milliseconds(299))
        log.warning("still in the first period")
        XCTAssertEqual(capture.messages, ["m0", "m1"])
        clock.advance(by: .milliseconds(1))
        log.warning("m5")
        log.warning("m6")
        log.warning("m7")
        XCTAssertEqual(capture.messages, ["m0", "m1", "4 similar messages suppressed in the last 300ms", "m5", "m6"])
        XCTAssertEqual(capture.entries[2].level, .warning)
    }

    func testEachPeriodReportsOnlyItsOwnHeldBackMessages() {
        let log = limited(burst: 1, period: .seconds(10))
        for _ in 0..<3 { log.error("a") }
        clock.advance(by: .seconds(10))
        for _ in 0..<2 { log.error("b") }
        clock.advance(by: .seconds(25))
        log.error("c")
        XCTAssertEqual(capture.messages, ["a", "2 similar messages suppressed in the last 10s", "b",
                                          "1 similar messages suppressed in the last 10s", "c"])
    }

    func testAQuietPeriodReportsNothing() {
        let log = limited(burst: 2)
        log.warning("one")
        clock.advance(by: .seconds(60))
        log.warning("two")
        XCTAssertEqual(capture.messages, ["one", "two"])
    }

    func testLoggerLevelStillApplies() {
        let log = RateLimitedLogger(logger: capture.logger(level: .error), burst: 5, clock: clock)
        log.warning("filtered by level")
        log.error("kept")
        XCTAssertEqual(capture.messages, ["kept"])
    }
}

/// A clock that moves only when the test says so; the logger reads it and never sleeps on it.
private final class SteppedClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let nanoseconds = ManagedAtomic<Int64>(0)

    var now: Instant { Instant(offset: .nanoseconds(nanoseconds.load(ordering: .relaxed))) }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        preconditionFailure("BUG: RateLimitedLogger never sleeps")
    }

    func advance(by duration: Duration) {
        nanoseconds.wrappingIncrement(by: duration.nanoseconds, ordering: .relaxed)
    }
}
