import Atomics
import Codecs
import Pipeline

extension OpenTelemetryOutput {
    /// The inbox loop with a disk buffer: requests of every signal are batched and encoded as
    /// with the memory buffer, then appended to the disk buffer (`DiskRequestAppender`,
    /// `OpenTelemetryRecord`); a sender (`DiskBufferDelivery`) reads them back in order, hands
    /// each to the lane it was made for and delivers it, as stored, through its signal's driver
    /// (`OpenTelemetryStoredPayload`), releasing it once delivered or written off.
    ///
    /// When the inbox closes, what is batched is appended, the buffer closed, and the lanes
    /// deliver what is left until they finish or the task is cancelled (`shutdown_timeout`);
    /// then what is not delivered stays on disk for the next start, not counted as dropped.
    func run(_ context: OutputContext, disk: DeliveryDiskBuffer, drivers: [OTLPSignal: Driver<OpenTelemetryStoredPayload>],
             log: RateLimitedLogger) async {
        let buffer = disk.buffer
        let lanes = DeliveryLanes(count: config.delivery.concurrency)
        let kept = ManagedAtomic<Int>(0)
        let (name, compression, metrics) = (name, config.compression, context.metrics)
        let sender = Task {
            await DiskBufferDelivery.run(
                from: buffer, lanes: lanes,
                read: { record in OpenTelemetryRecord.read(record, compression: compression).map { ($0.payload, $0.lane) } },
                unreadable: { record in
                    metrics.dropCounter("buffer_corrupt").wrappingIncrement(by: record.events, ordering: .relaxed)
                    log.error("\(name): dropped a stored request of \(record.events) items that does not decode")
                },
                failed: { error in
                    metrics.errorCounter("buffer").wrappingIncrement(ordering: .relaxed)
                    log.error("\(name): stopped reading the disk buffer: \(error); what is unread stays there")
                },
                deliver: { payload in
                    // Cut short by shutdown, the record stays on disk: kept, not dropped.
                    let left = await drivers[payload.signal]!.deliver(payload, abandoned: .kept)
                    guard left > 0 else { return .settled }
                    kept.wrappingIncrement(by: left, ordering: .relaxed)
                    return .kept
                })
        }
        await withTaskCancellationHandler {
            await store(context, disk: disk, log: log)
            buffer.close()
            await sender.value
        } onCancel: {
            sender.cancel()
            lanes.cancelAll()
        }
        buffer.close()
        let left = kept.load(ordering: .relaxed)
        if left > 0 {
            log.warning("\(name): \(left) items not delivered yet stay in \(buffer.options.directory) for the next start")
        }
    }

    /// Batches and encodes the inbox into the disk buffer until it closes (or the task is cancelled).
    private func store(_ context: OutputContext, disk: DeliveryDiskBuffer, log: RateLimitedLogger) async {
        let appender = DiskRequestAppender(buffer: disk.buffer, whenFull: disk.whenFull, name: name,
                                           metrics: context.metrics, log: log)
        let submit = OpenTelemetryShards.Submit(
            logs: { payload, lane in payload.releaseBatches(await appender.store(payload, lane: lane)) },
            metrics: { payload, lane in payload.releaseBatches(await appender.store(payload, lane: lane)) },
            spans: { payload, lane in payload.releaseBatches(await appender.store(payload, lane: lane)) })
        var shards = OpenTelemetryShards(count: config.delivery.concurrency, limits: config.delivery.batch,
                                         compression: config.compression, holdsAcknowledgements: true, submit: submit)
        await DeliveryInbox.consume(context, into: &shards, name: name, carries: "logs, metrics and spans", log: log)
    }
}
