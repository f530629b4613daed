@testable import Outputs
import XCTest

final class DeliveryRetryLogicTests: XCTestCase {
    private let policy = DeliveryRetryLogic.Policy(initialBackoff: .milliseconds(250), maxBackoff: .seconds(30))

    func testBackoffDoublesUpToTheMaximum() {
        let logic = DeliveryRetryLogic(policy: policy)
        let schedule = (1...10).map { logic.backoff(afterFailure: $0) }
        XCTAssertEqual(schedule, [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4),
                                  .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
        XCTAssertEqual(logic.backoff(afterFailure: 500), .seconds(30), "no overflow after many attempts")
    }

    func testJitterStaysWithinHalfToFullBackoff() {
        for failures in 1...12 {
            var low = DeliveryRetryLogic(policy: policy), high = low, middle = low
            for _ in 1..<failures {
                _ = low.next(retryAfter: nil, elapsed: .zero, random: 0)
                _ = high.next(retryAfter: nil, elapsed: .zero, random: 0)
                _ = middle.next(retryAfter: nil, elapsed: .zero, random: 0)
            }
            let full = low.backoff(afterFailure: failures)
            XCTAssertEqual(low.next(retryAfter: nil, elapsed: .zero, random: 0), .retry(in: full / 2, attempt: failures + 1))
            guard case .retry(let top, _) = high.next(retryAfter: nil, elapsed: .zero, random: 0.999_999) else {
                return XCTFail("expected a retry")
            }
            XCTAssertLessThan(top, full)
            XCTAssertGreaterThan(top, full * 0.999)
            XCTAssertEqual(middle.next(retryAfter: nil, elapsed: .zero, random: 0.5), .retry(in: full * 0.75, attempt: failures + 1))
        }
    }

    func testRandomJitterSpreadsWaits() {
        var waits = Set<Duration>()
        for _ in 0..<50 {
            var logic = DeliveryRetryLogic(policy: policy)
            guard case .retry(let wait, _) = logic.next(retryAfter: nil, elapsed: .zero, random: Double.random(in: 0..<1)) else {
                return XCTFail("expected a retry")
            }
            XCTAssertGreaterThanOrEqual(wait, .milliseconds(125))
            XCTAssertLessThan(wait, .milliseconds(250))
            waits.insert(wait)
        }
        XCTAssertGreaterThan(waits.count, 10, "jitter spreads the waits of many batches")
    }

    func testRetryAfterLongerThanTheBackoffWins() {
        var logic = DeliveryRetryLogic(policy: policy)
        XCTAssertEqual(logic.next(retryAfter: .seconds(5), elapsed: .zero, random: 0.5), .retry(in: .seconds(5), attempt: 2))
        XCTAssertEqual(logic.next(retryAfter: .milliseconds(1), elapsed: .zero, random: 0),
                       .retry(in: .milliseconds(250), attempt: 3), "a shorter Retry-After does not shorten the backoff")
        XCTAssertEqual(logic.next(retryAfter: .seconds(86_400), elapsed: .zero, random: 0),
                       .retry(in: .seconds(300), attempt: 4), "Retry-After is capped at retryAfterCap (5m)")
    }

    func testMaxDurationCutsTheLastWaitThenGivesUp() {
        var logic = DeliveryRetryLogic(policy: .init(initialBackoff: .seconds(1), maxBackoff: .seconds(30), maxDuration: .seconds(10)))
        XCTAssertEqual(logic.next(retryAfter: nil, elapsed: .zero, random: 0), .retry(in: .milliseconds(500), attempt: 2))
        XCTAssertEqual(logic.next(retryAfter: .seconds(60), elapsed: .seconds(8), random: 0),
                       .retry(in: .seconds(2), attempt: 3), "the wait ends at the deadline")
        XCTAssertEqual(logic.next(retryAfter: nil, elapsed: .seconds(10), random: 0), .giveUp)
    }

    func testZeroMaxDurationRetriesForever() {
        var logic = DeliveryRetryLogic(policy: policy)
        for _ in 0..<100 {
            XCTAssertNotEqual(logic.next(retryAfter: nil, elapsed: .seconds(365 * 86_400), random: 0), .giveUp)
        }
        XCTAssertEqual(logic.failures, 100)
        logic.reset()
        XCTAssertEqual(logic.failures, 0)
    }

    // MARK: Retry-After

    private let now: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT

    func testRetryAfterSeconds() {
        XCTAssertEqual(DeliveryRetryAfter.parse("120", nowSeconds: now), .seconds(120))
        XCTAssertEqual(DeliveryRetryAfter.parse(" 3 ", nowSeconds: now), .seconds(3))
        XCTAssertEqual(DeliveryRetryAfter.parse("0", nowSeconds: now), .zero)
        XCTAssertEqual(DeliveryRetryAfter.parse("99999999999999999999", nowSeconds: now), .seconds(999_999_999))
        XCTAssertNil(DeliveryRetryAfter.parse("-1", nowSeconds: now))
        XCTAssertNil(DeliveryRetryAfter.parse("1.5", nowSeconds: now))
        XCTAssertNil(DeliveryRetryAfter.parse("", nowSeconds: now))
        XCTAssertNil(DeliveryRetryAfter.parse("soon", nowSeconds: now))
    }

    func testRetryAfterHTTPDateInAllThreeForms() {
        XCTAssertEqual(DeliveryRetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", nowSeconds: now), .seconds(30))
        XCTAssertEqual(DeliveryRetryAfter.parse("Sunday, 06-Nov-94 08:50:07 GMT", nowSeconds: now), .seconds(30))
        XCTAssertEqual(DeliveryRetryAfter.parse("Sun Nov  6 08:50:07 1994", nowSeconds: now), .seconds(30))
        XCTAssertEqual(DeliveryRetryAfter.parse("Mon, 07 Nov 1994 08:49:37 GMT", nowSeconds: now), .seconds(86_400))
        XCTAssertEqual(DeliveryRetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", nowSeconds: now), .zero, "a past date means now")
        XCTAssertNil(DeliveryRetryAfter.parse("Sun, 06 Nov 1994 08:49:37 CET", nowSeconds: now))
        XCTAssertNil(DeliveryRetryAfter.parse("Sun, 32 Nov 1994 08:49:37 GMT", nowSeconds: now))
        XCTAssertNil(DeliveryRetryAfter.parse("Sun, 06 Foo 1994 08:49:37 GMT", nowSeconds: now))
    }

    func testHTTPDateAgainstKnownEpochs() {
        XCTAssertEqual(DeliveryRetryAfter.httpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0)
        XCTAssertEqual(DeliveryRetryAfter.httpDate("Tue, 29 Feb 2000 12:00:00 GMT"), 951_825_600)
        XCTAssertEqual(DeliveryRetryAfter.httpDate("Fri, 01 Jan 2027 00:00:00 GMT"), 1_798_761_600)
    }
}
