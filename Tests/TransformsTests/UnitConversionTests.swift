@testable import Transforms
import XCTest

/// Unit suffixes classified and values normalised to seconds and bytes.
final class UnitConversionTests: XCTestCase {
    func testUnitClasses() {
        let cases: [(String, UnitConversion)] = [
            ("", .none), ("ns", .seconds(1e9)), ("us", .seconds(1e6)), ("ms", .seconds(1e3)), ("s", .seconds(1)),
            ("B", .bytes(1)), ("bytes", .bytes(1)), ("kB", .bytes(1024)), ("KB", .bytes(1024)),
            ("MB", .bytes(1_048_576)), ("GB", .bytes(1_073_741_824)), ("pages", .other), ("mb", .other),
        ]
        for (text, unit) in cases {
            XCTAssertEqual(Array(text.utf8).withUnsafeBytes { UnitConversion.classify($0) }, unit, text)
        }
    }

    func testNormalize() {
        XCTAssertEqual(UnitConversion.seconds(1e3).normalize(200), 0.2)
        XCTAssertEqual(UnitConversion.bytes(1024).normalize(12.5), 12_800)
        XCTAssertEqual(UnitConversion.other.normalize(12), 12)
    }
}
