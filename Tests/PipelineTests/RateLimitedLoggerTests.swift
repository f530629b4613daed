import Atomics
import Logging
import Pipeline
import PipelineTesting
import XCTest

final class RateLimitedLoggerTests: XCTestCase {
    func testBurstThenSuppression() {
        let capture = LogCapture()
        let limited = RateLimitedLogger(logger: capture.logger(), burst: 3, period: .seconds(3600))
        for i in 0..<10 { limited.warning("problem \(i)") }
        XCTAssertEqual(capture.entries, (0..<3).map { LogCapture.Entry(level: .warning, message: "problem \($0)") })
    }

    func testDefaultBurstIsFive() {
        let capture = LogCapture()
        let limited = RateLimitedLogger(logger: capture.logger())
        for i in 0..<8 { limited.error("e\(i)") }
        XCTAssertEqual(capture.messages, ["e0", "e1", "e2", "e3", "e4"])
        XCTAssertEqual(Set(capture.entries.map(\.level)), [.error])
    }

    func testSuppressedMessagesAreNotBuilt() {
        let capture = LogCapture()
        let limited = RateLimitedLogger(logger: capture.logger(), burst: 2, period: .seconds(3600))
        let built = ManagedAtomic(0)
        func message() -> String {
            built.wrappingIncrement(ordering: .relaxed)
            return "expensive"
        }
        for _ in 0..<100 { limited.warning(message()) }
        XCTAssertEqual(capture.messages.count, 2)
        XCTAssertEqual(built.load(ordering: .relaxed), 2, "the autoclosure runs only for messages that are logged")
    }

    func testNextPeriodReportsHowManyWereHeldBack() async throws {
        let capture = LogCapture()
        let period = Duration.milliseconds(300)
        let start = ContinuousClock.now
        let limited = RateLimitedLogger(logger: capture.logger(), burst: 2, period: period)
        for i in 0..<5 { limited.warning("m\(i)") }
        let burstEnded = ContinuousClock.now
        // The window is time-based: wait until it has certainly passed.
        try await Task.sleep(until: start + period + .milliseconds(20), clock: .continuous)
        limited.warning("m5")
        limited.warning("m6")
        try XCTSkipIf(burstEnded - start >= period, "the machine stalled past the window during the burst")
        XCTAssertEqual(capture.messages, ["m0", "m1", "3 similar messages suppressed in the last 300ms", "m5", "m6"])
        XCTAssertEqual(capture.entries[2].level, .warning)
    }

    func testLoggerLevelStillApplies() {
        let capture = LogCapture()
        let limited = RateLimitedLogger(logger: capture.logger(level: .error), burst: 5)
        limited.warning("filtered by level")
        limited.error("kept")
        XCTAssertEqual(capture.messages, ["kept"])
    }
}
