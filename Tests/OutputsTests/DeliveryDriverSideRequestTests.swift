import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Side requests (`DeliveryOutcome.sideRequest`): the fake protocol's `no stream <s>` 404
/// asks for `create <s>` first, as CloudWatch's ResourceNotFoundException asks for CreateLogStream.
final class DeliveryDriverSideRequestTests: DeliveryDriverTestCase {
    private func deliver(_ payload: TestPayload) async throws {
        try await deliverAdvancingClock(driver(), payload, clock: clock)
    }

    private func deadLetterHeader() throws -> [String: Any] {
        let first = try XCTUnwrap(deadLetterText().first)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        return try XCTUnwrap(object["dead_letter"] as? [String: Any])
    }

    func testTheSideRequestGoesFirstThenThePayloadAtOnce() async throws {
        transport.script([.answer(404, "no stream app"), .answer(200), .answer(200)])
        try await deliver(TestPayload([1, 2]))
        XCTAssertEqual(transport.bodies, ["1,2", "create app", "1,2"])
        XCTAssertEqual(clock.sleeps, [], "no backoff: the receiver said what was missing")
        XCTAssertEqual(transport.requests.map { $0.headers.first?.1 }, ["1", nil, "2"], "the payload is prepared again")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2)
        XCTAssertEqual(metrics.retries.load(ordering: .relaxed), 1)
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["http_4xx=1"])
        XCTAssertEqual(logs.messages, ["test(t): 404 from http://receiver.test/write: no stream app; create stream app first"])
    }

    func testAnAlreadyDoneSideRequestCountsAsDone() async throws {
        transport.script([.answer(404, "no stream app"), .answer(409, "already exists")])
        try await deliver(TestPayload([1]))
        XCTAssertEqual(transport.bodies, ["1", "create app", "1"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
    }

    /// A receiver that keeps asking after the side request succeeded cannot loop the driver forever.
    func testSideRequestsAreBoundedThenThePayloadIsRejected() async throws {
        transport.script(Array(repeating: [.answer(404, "no stream app"), .answer(200)], count: 5).flatMap { $0 })
        try await deliver(TestPayload([1, 2]))
        XCTAssertEqual(transport.bodies, ["1,2", "create app", "1,2", "create app", "1,2", "create app", "1,2"])
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["rejected=2"])
        XCTAssertEqual(try deadLetterHeader()["reason"] as? String,
                       "test(t): 404 from http://receiver.test/write: no stream app (still, after 3 side requests)")
    }

    func testAFailingSideRequestBacksOffThenStartsOver() async throws {
        transport.script([.answer(404, "no stream app"), .answer(503, "busy"), .answer(404, "no stream app"), .answer(200)])
        try await deliver(TestPayload([1]))
        XCTAssertEqual(transport.bodies, ["1", "create app", "1", "create app", "1"])
        XCTAssertEqual(clock.sleeps, [.microseconds(187_500)], "one backoff, after the 503")
        XCTAssertEqual(metrics.errorCounts.map { "\($0.0)=\($0.1)" }, ["http_4xx=2", "http_5xx=1"])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 1)
    }

    func testARefusedSideRequestDeadLettersThePayloadWithItsReason() async throws {
        transport.script([.answer(404, "no stream app"), .answer(403, "not allowed")])
        try await deliver(TestPayload([1, 2]))
        XCTAssertEqual(transport.bodies, ["1,2", "create app"])
        let header = try deadLetterHeader()
        XCTAssertEqual(header["status"] as? Int, 403)
        XCTAssertEqual(header["reason"] as? String, "test(t): 403 from http://receiver.test/write: not allowed")
        XCTAssertEqual(metrics.dropCounts.map { "\($0.0)=\($0.1)" }, ["rejected=2"])
    }
}
