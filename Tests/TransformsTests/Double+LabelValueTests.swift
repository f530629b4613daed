@testable import Transforms
import XCTest

/// Numbers written as label values.
final class DoubleLabelValueTests: XCTestCase {
    func testNumbersAsLabelValues() {
        XCTAssertEqual([1, 0.5, 0.005, -2, 1e20].map(\.labelValue), ["1", "0.5", "0.005", "-2", "1e+20"])
    }
}
