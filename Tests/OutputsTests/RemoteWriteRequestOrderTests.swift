@testable import Outputs
import XCTest

/// `RemoteWriteRequestOrder`: arrival order when every series comes once; otherwise each series'
/// samples together by timestamp, the series in order of first arrival.
final class RemoteWriteRequestOrderTests: XCTestCase {
    /// Entries in arrival order, from `(hash, timestamp)`: two batches of up to 3 entries each
    /// (batch 0 first), so `arrival` crosses a batch boundary.
    private func entries(_ samples: [(UInt64, Int64)]) -> [RemoteWriteEntry] {
        samples.enumerated().map { n, sample in
            RemoteWriteEntry(hash: sample.0, timestamp: sample.1, batch: UInt32(n / 3), index: UInt32(n % 3))
        }
    }

    /// Arranges `input` with `order`, and returns each entry's `(hash, timestamp, arrival position)`.
    private func arranged(_ input: [RemoteWriteEntry], with order: inout RemoteWriteRequestOrder) -> [String] {
        var output = input
        order.arrange(&output)
        XCTAssertEqual(output.count, input.count, "nothing lost or added")
        return output.map { entry in
            let position = input.firstIndex { $0.arrival == entry.arrival }!
            return "\(entry.hash)@\(entry.timestamp)#\(position)"
        }
    }

    private func arranged(_ input: [RemoteWriteEntry]) -> [String] {
        var order = RemoteWriteRequestOrder()
        return arranged(input, with: &order)
    }

    func testUniqueSeriesKeepArrivalOrder() {
        // Hashes and timestamps both out of order: neither may be sorted.
        let input = entries([(9, 30), (2, 10), (7, 50), (1, 20), (5, 40)])
        XCTAssertEqual(arranged(input), ["9@30#0", "2@10#1", "7@50#2", "1@20#3", "5@40#4"])
    }

    func testRepeatsAreGroupedBySeriesInOrderOfFirstArrival() {
        // Series 9 arrives first, then 2, then 7: so they go, whatever their hashes.
        let input = entries([(9, 1), (2, 1), (9, 2), (7, 1), (2, 2), (9, 3)])
        XCTAssertEqual(arranged(input), ["9@1#0", "9@2#2", "9@3#5", "2@1#1", "2@2#4", "7@1#3"])
    }

    func testTimestampsAscendWithinASeriesEvenWhenTheyArrivedOutOfOrder() {
        let input = entries([(4, 300), (8, 20), (4, 100), (8, 10), (4, 200)])
        XCTAssertEqual(arranged(input), ["4@100#2", "4@200#4", "4@300#0", "8@10#3", "8@20#1"])
    }

    func testASeriesIsPlacedByItsFirstArrivalNotItsEarliestTimestamp() {
        // Series 3's earliest sample arrives last; the series still goes where it first arrived.
        let input = entries([(6, 5), (3, 9), (6, 6), (3, 1)])
        XCTAssertEqual(arranged(input), ["6@5#0", "6@6#2", "3@1#3", "3@9#1"])
    }

    func testEqualTimestampsKeepArrivalOrder() {
        let input = entries([(5, 7), (1, 7), (5, 7), (1, 7), (5, 7), (1, 3)])
        XCTAssertEqual(arranged(input), ["5@7#0", "5@7#2", "5@7#4", "1@3#5", "1@7#1", "1@7#3"])
    }

    func testEmptyAndSingle() {
        XCTAssertEqual(arranged([]), [])
        XCTAssertEqual(arranged(entries([(1, 1)])), ["1@1#0"])
    }

    func testTheOrderIsReusedAcrossRequests() {
        // Scratch arrays are kept between requests: a later request must not see the earlier's.
        var order = RemoteWriteRequestOrder()
        XCTAssertEqual(arranged(entries([(1, 2), (2, 1), (1, 1)]), with: &order), ["1@1#2", "1@2#0", "2@1#1"])
        XCTAssertEqual(arranged(entries([(3, 1), (1, 1)]), with: &order), ["3@1#0", "1@1#1"])
        XCTAssertEqual(arranged(entries([(2, 2), (2, 1)]), with: &order), ["2@1#1", "2@2#0"])
        XCTAssertEqual(arranged([], with: &order), [])
    }
}
