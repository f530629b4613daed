@testable import Outputs
import Pipeline
import XCTest

/// Prints the samples/s of the remote-write hot path: hash and shard each sample, sort,
/// encode the protobuf and snappy-compress it (everything but the network). It asserts
/// only correctness; run it in release for a number worth reading:
/// `swift test -c release --filter RemoteWriteEncoderThroughput`.
final class RemoteWriteEncoderThroughputTests: XCTestCase {
    func testEncodeAndCompressThroughput() async throws {
        #if DEBUG
        let rounds = 3
        #else
        let rounds = 100
        #endif
        // node_exporter-like series: 10,000 per batch, 5 labels each.
        var batch = MetricBatch(capacity: 10_000)
        for i in 0..<10_000 {
            batch.append(name: "node_cpu_seconds_total",
                         labels: [("cpu", String(i % 64)), ("mode", ["idle", "user", "system", "iowait"][i % 4]),
                                  ("instance", "host-\(i / 256).example:9100"), ("job", "node"), ("region", "eu-west-1")],
                         value: Double(i) * 0.01, timestamp: 1_700_000_000_000 + Int64(i), kind: .counter)
        }
        let sink = Sink()
        var shards = RemoteWriteShards(count: 2, limits: DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 4 << 20, timeout: .seconds(1))) {
            payload, _ in sink.add(payload)
        }
        let now = ContinuousClock.now
        let started = ContinuousClock.now
        for _ in 0..<rounds { await shards.add(batch, now: now) }
        await shards.flushAll()
        let elapsed = started.duration(to: .now)
        let samples = rounds * batch.count
        XCTAssertEqual(sink.samples, samples)
        let rate = Double(samples) / elapsed.seconds
        print("remote-write encode+compress: \(samples) samples in \(elapsed.formatted), \(Int(rate)) samples/s, "
              + "\(sink.bytes / max(1, sink.requests)) compressed bytes per request of ~\(samples / max(1, sink.requests)) samples")
    }
}

private final class Sink: @unchecked Sendable {
    var samples = 0, bytes = 0, requests = 0

    func add(_ payload: RemoteWritePayload) {
        samples += payload.eventCount
        bytes += payload.body.readableBytes
        requests += 1
    }
}
