import Atomics
import Pipeline

extension RemoteWriteOutput {
    /// The inbox loop with a disk buffer, on any clock and transport: requests are batched and
    /// encoded as with the memory buffer, then appended to the disk buffer
    /// (`DiskRequestAppender`); a sender (`DiskBufferDelivery`) reads them back in order,
    /// one lane per shard, delivers them and releases each once delivered or written off.
    ///
    /// When the inbox closes, what is batched is appended, the buffer closed, and the lanes
    /// deliver what is left until they finish or the task is cancelled (`shutdown_timeout`);
    /// then what is not delivered stays on disk for the next start, not counted as dropped.
    static func run<T, C: Clock>(_ context: OutputContext, driver: DeliveryDriver<RemoteWriteStoredProtocol<T>, C>,
                                 delivery: DeliveryOptions, disk: DeliveryDiskBuffer) async {
        let buffer = disk.buffer
        let lanes = DeliveryLanes(count: delivery.concurrency)
        let log = RateLimitedLogger(logger: context.logger)
        let kept = ManagedAtomicCounter()
        let sender = Task {
            await DiskBufferDelivery.run(
                from: buffer, lanes: lanes,
                read: { record in RemoteWriteRecord.read(record).map { ($0.payload, $0.shard) } },
                unreadable: { record in
                    context.metrics.dropCounter("buffer_corrupt").wrappingIncrement(by: record.events, ordering: .relaxed)
                    log.error("\(driver.name): dropped a stored request of \(record.events) samples that does not decode")
                },
                failed: { error in
                    context.metrics.errorCounter("buffer").wrappingIncrement(ordering: .relaxed)
                    log.error("\(driver.name): stopped reading the disk buffer: \(error); what is unread stays there")
                },
                deliver: { payload in
                    // Cut short by shutdown, the record stays on disk: kept, not dropped.
                    let left = await driver.deliver(payload, abandoned: .kept)
                    guard left > 0 else { return .settled }
                    kept.add(left)
                    return .kept
                })
        }
        await withTaskCancellationHandler {
            await readInbox(context, disk: disk, delivery: delivery, name: driver.name, log: log)
            buffer.close()
            await sender.value
        } onCancel: {
            sender.cancel()
            lanes.cancelAll()
        }
        buffer.close()
        if kept.value > 0 {
            log.warning("\(driver.name): \(kept.value) samples not delivered yet stay in \(buffer.options.directory) for the next start")
        }
    }

    /// Batches and encodes the inbox into the disk buffer until it closes (or the task is cancelled).
    private static func readInbox(_ context: OutputContext, disk: DeliveryDiskBuffer, delivery: DeliveryOptions,
                                  name: String, log: RateLimitedLogger) async {
        let appender = DiskRequestAppender(buffer: disk.buffer, whenFull: disk.whenFull, name: name,
                                           metrics: context.metrics, log: log)
        var shards = RemoteWriteShards(count: delivery.concurrency, limits: delivery.batch, holdsAcknowledgements: true) {
            payload, shard in
            let status = await appender.store(payload, lane: shard)
            for batch in payload.batches { batch.acknowledgements.release(status) }
        }
        await DeliveryInbox.consume(context, into: &shards, name: name, carries: "metrics", log: log)
    }
}

/// A counter shared by lane jobs.
final class ManagedAtomicCounter: Sendable {
    private let count = ManagedAtomic<Int>(0)
    func add(_ n: Int) { count.wrappingIncrement(by: n, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

extension RemoteWritePayload: DiskStoredRequest {
    func diskRecord(lane: Int) -> DiskBufferRecord { RemoteWriteRecord.make(self, shard: lane) }
    var itemName: String { "samples" }
}
