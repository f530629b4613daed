import Atomics
import NIOCore
import Pipeline

/// Log batches to Loki push bodies exactly as the output makes them (rendering, batching by
/// `limits`, request order, encoding, compression), without sending: the entry point of the
/// encode benchmarks.
///
///     var encoder = LokiRequestEncoder(format: LokiFormat(labels: [LokiLabel(name: "app", template: t)]))
///     let bodies = await encoder.encode(batch)    // the bodies of the requests the batch filled
///     let rest = await encoder.flush()            // and of what was still pending
package struct LokiRequestEncoder {
    /// Bodies the shards handed on, in order.
    private final class Collected {
        var bodies: [ByteBuffer] = []
    }

    private var shards: LokiShards
    private let collected = Collected()

    /// One lane, as `concurrency: 1`; `limits` default to the output's batch defaults.
    package init(format: LokiFormat, limits: DeliveryBatchLimits = LokiOutputConfig.defaults.batch) {
        let rendering = LokiEventRendering(format: format, truncated: ManagedAtomic(0), dropped: ManagedAtomic(0), log: nil, name: "loki")
        let collected = self.collected
        shards = LokiShards(count: 1, limits: limits, rendering: rendering) { payload, _ in
            if payload.eventCount > 0 { collected.bodies.append(payload.body) }
        }
    }

    /// Adds `batch`; returns the bodies of the requests made full by it.
    package mutating func encode(_ batch: LogBatch) async -> [ByteBuffer] {
        await shards.add(batch, now: .now)
        return takeBodies()
    }

    /// The bodies of the requests still pending.
    package mutating func flush() async -> [ByteBuffer] {
        await shards.flushAll()
        return takeBodies()
    }

    private func takeBodies() -> [ByteBuffer] {
        defer { collected.bodies.removeAll(keepingCapacity: true) }
        return collected.bodies
    }
}
