@testable import Transforms
import XCTest

/// The series key → id index shared by l2met and log_to_metric.
final class MetricSeriesIndexTests: XCTestCase {
    func testFindsInsertsRemovesAndReusesIds() {
        var index = MetricSeriesIndex(capacity: 4)
        let keys = (0..<1000).map { Array("series-\($0)".utf8) }
        let ids = keys.map { k in k.withUnsafeBytes { index.insert($0, hash: MetricSeriesIndex.hash($0)) } }
        XCTAssertEqual(ids, (0..<1000).map(Int32.init))
        for (k, id) in zip(keys, ids) { XCTAssertEqual(k.withUnsafeBytes { index.find($0, hash: MetricSeriesIndex.hash($0)) }, id) }
        index.remove(7)
        XCTAssertNil(keys[7].withUnsafeBytes { index.find($0, hash: MetricSeriesIndex.hash($0)) })
        XCTAssertEqual(index.count, 999)
        let again = Array("new".utf8).withUnsafeBytes { index.insert($0, hash: MetricSeriesIndex.hash($0)) }
        XCTAssertEqual(again, 7)
        XCTAssertEqual(keys[8].withUnsafeBytes { index.find($0, hash: MetricSeriesIndex.hash($0)) }, 8)
        // Same hash, different bytes: both found (collisions are checked, not trusted).
        let a = Array("a".utf8).withUnsafeBytes { index.insert($0, hash: 42) }
        let b = Array("b".utf8).withUnsafeBytes { index.insert($0, hash: 42) }
        XCTAssertEqual(Array("a".utf8).withUnsafeBytes { index.find($0, hash: 42) }, a)
        XCTAssertEqual(Array("b".utf8).withUnsafeBytes { index.find($0, hash: 42) }, b)
    }
}
