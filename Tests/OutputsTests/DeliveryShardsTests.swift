@testable import Outputs
import XCTest

/// `DeliveryShards` with a fake shard: items are strings keyed by their first letter.
final class DeliveryShardsTests: XCTestCase {
    /// Collects `(source id, item)` pairs; a payload is what it collected.
    private struct LetterShard: DeliveryShard {
        var items: [String] = []
        var sources: [Int] = []

        mutating func append(_ index: Int, of source: [String], sourceID: Int, key: UInt64) {
            if sources.last != sourceID { sources.append(sourceID) }
            items.append(source[index])
        }

        mutating func take() -> [String] {
            defer { items = [] }
            return items
        }
    }

    private typealias Instant = ManualClock.Instant
    private let t0 = Instant(offset: .zero)

    private final class Submitted: @unchecked Sendable {
        var payloads: [(items: [String], lane: Int)] = []
    }

    private func shards(count: Int, maxEvents: Int = 100, maxBytes: Int = 1 << 20,
                        _ submitted: Submitted) -> DeliveryShards<LetterShard, Instant> {
        DeliveryShards(count: count, limits: DeliveryBatchLimits(maxEvents: maxEvents, maxBytes: maxBytes, timeout: .seconds(1)),
                       makeShard: { LetterShard() }, submit: { payload, lane in submitted.payloads.append((payload, lane)) })
    }

    private func keys(_ items: [String], size: Int = 10) -> [(key: UInt64, size: Int)] {
        items.map { (UInt64($0.unicodeScalars.first!.value), size) }
    }

    func testOneKeyOneShardInOrder() async {
        let submitted = Submitted()
        var shards = shards(count: 3, maxEvents: 2, submitted)
        let items = ["a1", "b1", "a2", "c1", "a3", "b2", "a4", "c2", "b3"]
        await shards.add(items, keys: keys(items), now: t0)
        await shards.flushAll()
        var laneOf: [Character: Int] = [:]
        for (payload, lane) in submitted.payloads {
            XCTAssertLessThanOrEqual(payload.count, 2, "max_events")
            for item in payload {
                XCTAssertEqual(laneOf[item.first!, default: lane], lane, "\(item) changed shards")
                laneOf[item.first!] = lane
            }
        }
        for letter in ["a", "b", "c"] {
            let seen = submitted.payloads.flatMap(\.items).filter { $0.hasPrefix(letter) }
            XCTAssertEqual(seen, items.filter { $0.hasPrefix(letter) }, "\(letter)'s items in order")
        }
        XCTAssertEqual(laneOf[Character("a")], DeliveryShardKey.shard(of: 97, count: 3))
    }

    func testAnItemThatWouldOverflowMaxBytesStartsANewBatch() async {
        let submitted = Submitted()
        var shards = shards(count: 1, maxBytes: 25, submitted)
        await shards.add(["a1", "a2", "a3"], keys: keys(["a1", "a2", "a3"]), now: t0)
        XCTAssertEqual(submitted.payloads.map(\.items), [["a1", "a2"]], "a3 would make 30 bytes")
        await shards.flushAll()
        XCTAssertEqual(submitted.payloads.map(\.items), [["a1", "a2"], ["a3"]])
    }

    func testDueShardsFlushOnTheirOwnDeadline() async {
        let submitted = Submitted()
        var shards = shards(count: 64, submitted)
        XCTAssertNil(shards.deadline)
        await shards.add(["a1"], keys: keys(["a1"]), now: t0)
        await shards.add(["b1"], keys: keys(["b1"]), now: t0.advanced(by: .milliseconds(500)))
        XCTAssertEqual(shards.deadline, t0.advanced(by: .seconds(1)), "the oldest batch's")
        await shards.flushDue(now: t0.advanced(by: .milliseconds(999)))
        XCTAssertTrue(submitted.payloads.isEmpty)
        await shards.flushDue(now: t0.advanced(by: .seconds(1)))
        XCTAssertEqual(submitted.payloads.map(\.items), [["a1"]], "b1 is not due yet")
        XCTAssertEqual(shards.deadline, t0.advanced(by: .milliseconds(1500)))
    }
}
