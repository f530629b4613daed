@testable import Transforms
import XCTest

/// Label values in series keys: length-prefixed, cut at the maximum, read back as ranges.
final class SeriesKeyLabelValueTests: XCTestCase {
    func testAppendedValuesReadBack() {
        var key: [UInt8] = [9]
        Array("web.1".utf8).withUnsafeBytes { SeriesKeyLabelValue.append($0, to: &key) }
        let start = SeriesKeyLabelValue.begin(in: &key)
        key.append(contentsOf: "GET /".utf8)
        SeriesKeyLabelValue.end(in: &key, from: start)
        let first = SeriesKeyLabelValue.range(in: key, at: 1)
        let second = SeriesKeyLabelValue.range(in: key, at: first.upperBound)
        XCTAssertEqual(String(decoding: key[first], as: UTF8.self), "web.1")
        XCTAssertEqual(String(decoding: key[second], as: UTF8.self), "GET /")
        XCTAssertEqual(second.upperBound, key.count)
    }

    func testLongValuesAreCut() {
        var key: [UInt8] = []
        let start = SeriesKeyLabelValue.begin(in: &key)
        key.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: 3000))
        SeriesKeyLabelValue.end(in: &key, from: start)
        XCTAssertEqual(SeriesKeyLabelValue.range(in: key, at: 0), 2..<(2 + SeriesKeyLabelValue.maxLength))
        XCTAssertEqual(key.count, 2 + SeriesKeyLabelValue.maxLength)
        var appended: [UInt8] = []
        Array(repeating: UInt8(ascii: "y"), count: 3000).withUnsafeBytes { SeriesKeyLabelValue.append($0, to: &appended) }
        XCTAssertEqual(appended.count, 2 + SeriesKeyLabelValue.maxLength)
    }
}
