@testable import Transforms
import XCTest

/// Numbers with a unit suffix, read as l2met reads them.
final class NumberWithUnitTests: XCTestCase {
    private func parse(_ text: String, negative: Bool = false) -> (Double, String)? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            NumberWithUnit.parse(raw, allowNegative: negative).map { ($0.number, String(decoding: bytes[$0.unit], as: UTF8.self)) }
        }
    }

    func testValuesAsL2metReadsThem() {
        let cases: [(String, Double, String)] = [
            ("", 1, ""), ("200ms", 200, "ms"), ("40.9MB", 40.9, "MB"), ("4347350804bytes", 4_347_350_804, "bytes"),
            ("348836pages", 348_836, "pages"), (".5", 0.5, ""), ("1.2.3", 1.2, ""), ("12", 12, ""), ("0.00MB", 0, "MB"),
            ("2.46", 2.46, ""), ("5m2", 5, "m"), ("12345678901234567890", 12_345_678_901_234_567_168, ""),
        ]
        for (text, number, unit) in cases {
            let parsed = parse(text)
            XCTAssertEqual(parsed?.0, number, text)
            XCTAssertEqual(parsed?.1, unit, text)
        }
    }

    func testNotNumbers() {
        for text in ["-5", "abc", ".", "ms200", "-"] { XCTAssertNil(parse(text), text) }
    }

    func testNegativeOnlyWhenAllowed() {
        XCTAssertNil(parse("-2.5ms"))
        XCTAssertEqual(parse("-2.5ms", negative: true)?.0, -2.5)
        XCTAssertEqual(parse("-2.5ms", negative: true)?.1, "ms")
        XCTAssertNil(parse("-x", negative: true))
    }
}
