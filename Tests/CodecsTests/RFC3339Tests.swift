import Codecs
import NIOCore
import XCTest

final class RFC3339Tests: XCTestCase {
    private func parse(_ text: String) -> Int64? {
        var s = text
        return s.withUTF8 { RFC3339.parse(UnsafeRawBufferPointer($0)) }
    }

    private let second: Int64 = 1_000_000_000

    func testWriteKnownInstants() {
        XCTAssertEqual(RFC3339.string(nanoseconds: 0), "1970-01-01T00:00:00.000000000Z")
        XCTAssertEqual(RFC3339.string(nanoseconds: 1_709_210_096 * second + 789_000_000), "2024-02-29T12:34:56.789000000Z")
        XCTAssertEqual(RFC3339.string(nanoseconds: 946_684_800 * second), "2000-01-01T00:00:00.000000000Z")
        XCTAssertEqual(RFC3339.string(nanoseconds: 2_147_483_648 * second + 1), "2038-01-19T03:14:08.000000001Z")
    }

    func testWriteBeforeEpoch() {
        XCTAssertEqual(RFC3339.string(nanoseconds: -1), "1969-12-31T23:59:59.999999999Z")
        XCTAssertEqual(RFC3339.string(nanoseconds: -14_182_940 * second), "1969-07-20T20:17:40.000000000Z")
        XCTAssertEqual(RFC3339.string(nanoseconds: -2_203_891_200 * second), "1900-03-01T00:00:00.000000000Z")
    }

    func testWriteAppendsToExistingBytes() {
        var buffer = ByteBuffer(string: "t=")
        RFC3339.write(nanoseconds: 0, into: &buffer)
        XCTAssertEqual(String(buffer: buffer), "t=1970-01-01T00:00:00.000000000Z")
    }

    func testRoundTrip() {
        var samples: [Int64] = [0, 1, -1, 999_999_999, -1_000_000_000, 4_107_542_400 * second, -2_203_891_200 * second + 5]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { samples.append(Int64.random(in: -5_000_000_000 * second...5_000_000_000 * second, using: &rng)) }
        for n in samples {
            XCTAssertEqual(parse(RFC3339.string(nanoseconds: n)), n, "round trip of \(n)")
        }
    }

    /// Years outside what Int64 nanoseconds can carry are refused, not a trap.
    func testParseOutOfRangeYearsIsNil() {
        XCTAssertNil(parse("2263-01-01T00:00:00Z"))
        XCTAssertNil(parse("9999-12-31T23:59:59.999999999Z"))
        XCTAssertNil(parse("0001-01-01T00:00:00Z"))
        XCTAssertNotNil(parse("2262-04-11T00:00:00Z"))
    }

    func testParseOffsets() {
        let utc = parse("2024-05-01T00:00:00Z")
        XCTAssertEqual(utc, 1_714_521_600 * second)
        XCTAssertEqual(parse("2024-05-01T00:00:00+00:00"), utc)
        XCTAssertEqual(parse("2024-05-01T00:00:00-00:00"), utc)
        XCTAssertEqual(parse("2024-05-01T02:00:00+02:00"), utc)
        XCTAssertEqual(parse("2024-04-30T19:00:00-05:00"), utc)
        XCTAssertEqual(parse("2024-04-30T18:30:00-05:30"), utc)
        XCTAssertEqual(parse("2024-05-01t00:00:00z"), utc, "lower-case t and z are allowed")
        XCTAssertEqual(parse("2024-05-01T00:00:00.001000+00:00"), utc.map { $0 + 1_000_000 })
    }

    func testFractionalDigitsZeroToNine() {
        let base = 1_714_521_600 * second
        XCTAssertEqual(parse("2024-05-01T00:00:00Z"), base)
        let digits = "123456789"
        for count in 1...9 {
            let fraction = String(digits.prefix(count))
            var expected: Int64 = Int64(fraction)!
            for _ in count..<9 { expected *= 10 }
            XCTAssertEqual(parse("2024-05-01T00:00:00.\(fraction)Z"), base + expected, "\(count) digits")
        }
        XCTAssertEqual(parse("2024-05-01T00:00:00.1234567891Z"), base + 123_456_789, "digits past nine are ignored")
        XCTAssertEqual(parse("2024-05-01T00:00:00.000000001-01:00"), base + 3600 * second + 1)
    }

    func testInvalidInputs() {
        let bad = [
            "", "2024-05-01", "2024-05-01T00:00:00", "2024-05-01T00:00:00.", "2024-05-01T00:00:00.Z",
            "2024-05-01 00:00:00Z", "2024/05/01T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z",
            "2024-05-00T00:00:00Z", "2024-05-32T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T00:60:00Z",
            "2024-05-01T00:00:61Z", "2024-05-01T00:00:00+0200", "2024-05-01T00:00:00+02", "2024-05-01T00:00:00+2:00",
            "2024-05-01T00:00:00Zjunk", "2024-05-01T00:00:00+02:00x", "2024-05-0xT00:00:00Z", "x024-05-01T00:00:00Z",
            "2024-05-01T00:00:00 Z", "2024-05-01T00:00:00.5", "2024-05-01T00:00:00.abcZ",
        ]
        for text in bad { XCTAssertNil(parse(text), "'\(text)' must not parse") }
    }

    func testCivilDateAndDaysAgree() {
        XCTAssertTrue(RFC3339.civilDate(daysSinceEpoch: 0) == (1970, 1, 1))
        XCTAssertTrue(RFC3339.civilDate(daysSinceEpoch: -1) == (1969, 12, 31))
        XCTAssertEqual(RFC3339.daysSinceEpoch(year: 1600, month: 3, day: 1), -135_080)
        XCTAssertEqual(RFC3339.daysSinceEpoch(year: 2400, month: 3, day: 1), 157_114)
        // Walk day by day with a naive calendar from 1600-01-01 to 2400-12-31.
        var (y, m, d): (Int64, Int64, Int64) = (1600, 1, 1)
        var days = RFC3339.daysSinceEpoch(year: 1600, month: 1, day: 1)
        func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        let lengths: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var mismatches = 0
        while y <= 2400 {
            let civil = RFC3339.civilDate(daysSinceEpoch: days)
            if civil != (y, m, d) || RFC3339.daysSinceEpoch(year: y, month: m, day: d) != days { mismatches += 1 }
            days += 1
            d += 1
            if d > lengths[Int(m - 1)] + (m == 2 && isLeap(y) ? 1 : 0) { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testLeapYears() {
        func februaryLength(_ year: Int64) -> Int64 {
            RFC3339.daysSinceEpoch(year: year, month: 3, day: 1) - RFC3339.daysSinceEpoch(year: year, month: 2, day: 1)
        }
        XCTAssertEqual(februaryLength(1900), 28)
        XCTAssertEqual(februaryLength(2000), 29)
        XCTAssertEqual(februaryLength(2023), 28)
        XCTAssertEqual(februaryLength(2024), 29)
        XCTAssertEqual(februaryLength(2100), 28)
        XCTAssertTrue(RFC3339.civilDate(daysSinceEpoch: RFC3339.daysSinceEpoch(year: 2024, month: 2, day: 29)) == (2024, 2, 29))
        XCTAssertTrue(RFC3339.civilDate(daysSinceEpoch: RFC3339.daysSinceEpoch(year: 2100, month: 2, day: 28) + 1) == (2100, 3, 1))
        XCTAssertEqual(parse("2000-02-29T00:00:00Z"), 951_782_400 * second)
    }
}
