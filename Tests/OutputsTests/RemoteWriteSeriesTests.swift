import Codecs
@testable import Outputs
import Pipeline
import XCTest

final class RemoteWriteSeriesTests: XCTestCase {
    private func identity(_ name: String, _ labels: [(String, String)], value: Double = 1, timestamp: Int64 = 1) -> (hash: UInt64, size: Int) {
        var batch = MetricBatch()
        batch.append(name: name, labels: labels, value: value, timestamp: timestamp, kind: .gauge)
        return RemoteWriteSeries.withArena(batch) { RemoteWriteSeries.identity(0, $0) }
    }

    private func canonical(_ name: String, _ labels: [(String, String)]) -> [String] {
        var batch = MetricBatch()
        batch.append(name: name, labels: labels, value: 1, timestamp: 1, kind: .gauge)
        var out: [LabelRecord] = []
        return RemoteWriteSeries.withArena(batch) { arena in
            RemoteWriteSeries.canonicalLabels(0, arena, into: &out)
            return out.map { String(decoding: arena.bytes($0.name), as: UTF8.self) + "=" + String(decoding: arena.bytes($0.value), as: UTF8.self) }
        }
    }

    func testLabelsAreSortedDedupedAndEmptyValuesDropped() {
        XCTAssertEqual(canonical("m", [("b", "2"), ("a", "1"), ("c", "3")]), ["__name__=m", "a=1", "b=2", "c=3"])
        XCTAssertEqual(canonical("m", [("a", "1"), ("a", "2")]), ["__name__=m", "a=2"], "the last value of a name wins")
        XCTAssertEqual(canonical("m", [("a", ""), ("", "x"), ("b", "1")]), ["__name__=m", "b=1"], "empty values and names dropped")
        XCTAssertEqual(canonical("m", [("__name__", "other")]), ["__name__=m"], "the sample's name is authoritative")
        XCTAssertEqual(canonical("m", [("z", "1"), ("Z", "2"), ("_a", "3"), ("aa", "4"), ("a", "5")]),
                       ["Z=2", "__name__=m", "_a=3", "a=5", "aa=4", "z=1"], "bytewise, as Prometheus sorts")
    }

    func testHashIgnoresLabelOrderAndEmptyValues() {
        let base = identity("m", [("a", "1"), ("b", "2")])
        XCTAssertEqual(identity("m", [("b", "2"), ("a", "1")]).hash, base.hash)
        XCTAssertEqual(identity("m", [("b", "2"), ("x", ""), ("a", "1")]).hash, base.hash)
        XCTAssertEqual(identity("m", [("a", "1"), ("b", "2")], value: 9, timestamp: 9).hash, base.hash, "values do not count")
        XCTAssertNotEqual(identity("m", [("a", "1"), ("b", "3")]).hash, base.hash)
        XCTAssertNotEqual(identity("n", [("a", "1"), ("b", "2")]).hash, base.hash)
        XCTAssertNotEqual(identity("m", [("a", "2"), ("b", "1")]).hash, base.hash, "values stay bound to their names")
        XCTAssertNotEqual(identity("m", [("ab", "c")]).hash, identity("m", [("a", "bc")]).hash)
    }

    func testSizeIsTheEncodedSizeOfALoneSample() {
        for (name, labels, value, timestamp) in [("up", [("job", "node")], 1.0, Int64(1000)), ("z", [], 0, 0),
                                                  (String(repeating: "n", count: 200), [("k", String(repeating: "v", count: 300))], -2, -5)] {
            var batch = MetricBatch()
            batch.append(name: name, labels: labels, value: value, timestamp: timestamp, kind: .gauge)
            let id = RemoteWriteSeries.withArena(batch) { RemoteWriteSeries.identity(0, $0) }
            var encoder = RemoteWriteEncoder()
            let entries = [RemoteWriteEntry(hash: id.hash, timestamp: timestamp, batch: 0, index: 0)]
            XCTAssertEqual(id.size, encoder.encode(entries[...], of: [batch]).readableBytes, name)
        }
    }

    func testVarintSizes() {
        XCTAssertEqual([0, 1, 127, 128, 16383, 16384].map { RemoteWriteSeries.varintSize($0) }, [1, 1, 1, 2, 2, 3])
        XCTAssertEqual(RemoteWriteSeries.varintSize(UInt64.max), 10)
    }

    /// Many series over many batches and small requests: every series stays on one shard and
    /// its samples arrive in timestamp order across that shard's requests.
    func testShardingKeepsEachSeriesOnOneShardInOrder() async throws {
        let submitted = Submitted()
        var shards = RemoteWriteShards(count: 4, limits: DeliveryBatchLimits(maxEvents: 37, maxBytes: 4096, timeout: .seconds(1))) {
            payload, lane in submitted.add(payload, lane)
        }
        let now = ContinuousClock.now
        for round in 0..<20 {
            var batch = MetricBatch()
            for s in 0..<50 {
                batch.append(name: "m", labels: [("series", String(s)), ("odd", String(s % 2))], value: Double(round),
                             timestamp: Int64(round * 1000 + s), kind: .gauge)
            }
            await shards.add(batch, now: now)
        }
        await shards.flushAll()
        XCTAssertNil(shards.deadline, "nothing pending after flushAll")
        var laneOf: [String: Int] = [:]
        var last: [String: Int64] = [:]
        var total = 0
        var lanesUsed = Set<Int>()
        for (payload, lane) in submitted.all {
            let protobuf = try XCTUnwrap(Snappy.uncompress(payload.body))
            XCTAssertLessThanOrEqual(payload.eventCount, 37)
            lanesUsed.insert(lane)
            for series in try WriteRequestDecoder.decode(Array(buffer: protobuf)) {
                XCTAssertEqual(laneOf[series.key, default: lane], lane, "\(series.key) changed shards")
                laneOf[series.key] = lane
                for sample in series.samples {
                    XCTAssertGreaterThan(sample.timestamp, last[series.key, default: -1], "\(series.key) out of order")
                    last[series.key] = sample.timestamp
                    total += 1
                }
            }
        }
        XCTAssertEqual(total, 1000)
        XCTAssertEqual(laneOf.count, 50)
        XCTAssertEqual(lanesUsed, [0, 1, 2, 3], "50 series spread over all 4 shards")
    }

    func testTimeoutFlushesOnlyDueShards() async {
        let submitted = Submitted()
        var shards = RemoteWriteShards(count: 1, limits: DeliveryBatchLimits(maxEvents: 100, maxBytes: 1 << 20, timeout: .seconds(1))) {
            payload, lane in submitted.add(payload, lane)
        }
        let t0 = ContinuousClock.now
        var batch = MetricBatch()
        batch.append(name: "m", value: 1, timestamp: 1, kind: .gauge)
        await shards.add(batch, now: t0)
        XCTAssertEqual(shards.deadline, t0 + .seconds(1))
        await shards.flushDue(now: t0 + .milliseconds(999))
        XCTAssertEqual(submitted.all.count, 0)
        await shards.flushDue(now: t0 + .seconds(1))
        XCTAssertEqual(submitted.all.map(\.1), [0])
        XCTAssertNil(shards.deadline)
    }
}

/// Payloads handed to `submit`, with their lane.
private final class Submitted: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(RemoteWritePayload, Int)] = []

    func add(_ payload: RemoteWritePayload, _ lane: Int) { lock.withLock { items.append((payload, lane)) } }
    var all: [(RemoteWritePayload, Int)] { lock.withLock { items } }
}
