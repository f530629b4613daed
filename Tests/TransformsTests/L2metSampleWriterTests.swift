@testable import Transforms
import XCTest

/// The sample writer's percentile, as l2met computes it.
final class L2metSampleWriterTests: XCTestCase {
    func testNearestRankAsL2metComputesIt() {
        let hundred = (1...100).map(Double.init)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.5), 51)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.95), 96)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.99), 100)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.29), 30)
        let ten = (1...10).map(Double.init)
        XCTAssertEqual(L2metSampleWriter.nearestRank(ten, 0.5), 6)
        XCTAssertEqual(L2metSampleWriter.nearestRank(ten, 0.95), 10)
        XCTAssertEqual(L2metSampleWriter.nearestRank(ten, 0.99), 10)
        XCTAssertEqual(L2metSampleWriter.nearestRank([1, 2, 3, 4], 0.5), 3)
        XCTAssertEqual(L2metSampleWriter.nearestRank([7], 0.99), 7)
        XCTAssertEqual(L2metSampleWriter.nearestRank([1, 2], 1), 2)
    }
}
