import Pipeline
import PipelineTesting
import XCTest

/// The helpers the end-to-end tests rely on must themselves catch what they claim to.
final class SequenceVerifierTests: XCTestCase {
    private let web = SequenceInput(source: "web", count: nil, batchSize: 4)
    private let api = SequenceInput(source: "api", count: nil, batchSize: 4)

    func testAcceptsInterleavedSourcesInOrder() {
        let verifier = SequenceVerifier()
        for k in 0..<3 {
            verifier.check(.logs(web.makeBatch(from: k * 4, count: 4)))
            verifier.check(.logs(api.makeBatch(from: k * 4, count: 4)))
        }
        XCTAssertEqual(verifier.problems, [])
        XCTAssertEqual(verifier.total, 24)
        XCTAssertEqual(verifier.counts, ["web": 12, "api": 12])
    }

    func testReportsGapsDuplicatesAndReordering() {
        let gap = SequenceVerifier()
        gap.check(.logs(web.makeBatch(from: 0, count: 4)))
        gap.check(.logs(web.makeBatch(from: 8, count: 4)))
        XCTAssertEqual(gap.problems, ["web: expected seq 4, got 8"])

        let duplicate = SequenceVerifier()
        duplicate.check(.logs(web.makeBatch(from: 0, count: 4)))
        duplicate.check(.logs(web.makeBatch(from: 0, count: 4)))
        XCTAssertEqual(duplicate.problems, ["web: expected seq 4, got 0"])
        XCTAssertEqual(duplicate.total, 8)

        let reordered = SequenceVerifier()
        reordered.check(.logs(web.makeBatch(from: 4, count: 4)))
        XCTAssertEqual(reordered.problems, ["web: expected seq 0, got 4"])
    }

    func testReportsForeignEvents() {
        let verifier = SequenceVerifier()
        verifier.check(TestBatches.logs(["no fields"]))
        verifier.check(TestBatches.metrics(count: 1))
        XCTAssertEqual(verifier.problems, ["event without source or seq: no fields", "unexpected metric batch"])
    }

    func testSequenceInputEvents() {
        let batch = SequenceInput(source: "web.1", count: 3, batchSize: 2).makeBatch(from: 7, count: 2)
        XCTAssertEqual(batch.count, 2)
        XCTAssertEqual(batch.message(0), SequenceInput.message)
        XCTAssertEqual(batch.records.map(\.timestamp), [7, 8])
        XCTAssertEqual(batch.field(1, .source).map { batch.literal($0) }, .string("web.1"))
        XCTAssertEqual(batch.field(1, FieldName("seq")), .int(8))
    }

    func testWithTimeoutThrowsAndAbandonsAHungOperation() async {
        let start = ContinuousClock.now
        do {
            _ = try await withTimeout(seconds: 0.2) { () -> Int in
                try? await Task.sleep(for: .seconds(3600))
                return 1
            }
            XCTFail("expected a timeout")
        } catch {
            XCTAssertTrue(error is TimeoutError, "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(30))
    }

    func testWithTimeoutPassesResultsAndErrorsThrough() async throws {
        let value = try await withTimeout(seconds: 10) { 42 }
        XCTAssertEqual(value, 42)
        struct Oops: Error {}
        do {
            _ = try await withTimeout(seconds: 10) { () -> Int in throw Oops() }
            XCTFail("expected Oops")
        } catch {
            XCTAssertTrue(error is Oops)
        }
    }

    func testEventuallyTimesOutWhenTheConditionNeverHolds() async throws {
        do {
            try await eventually(timeout: 0.05, "never") { false }
            XCTFail("expected a timeout")
        } catch let error as TimeoutError {
            XCTAssertTrue(error.description.hasSuffix("never did not hold within 0.05 s"), error.description)
        }
        var polls = 0
        try await eventually(timeout: 10) { polls += 1; return polls == 3 }
        XCTAssertEqual(polls, 3)
    }
}
