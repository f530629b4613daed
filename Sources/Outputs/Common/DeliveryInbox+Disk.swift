import Pipeline

extension DeliveryInbox {
    /// The inbox loop of a log output, through its disk buffer when it has one.
    /// `makeShards(holds)` makes the output's shards; with `holds` their payloads hold their
    /// batches' acknowledgements, to be released by `DeliveryDriver.deliver(_:holding:)`.
    static func consumeLogs<Shards: DeliveryInboxShards>(_ context: OutputContext, disk: DeliveryDiskBuffer?,
                                                         replayEvents: Int, name: String, log: RateLimitedLogger,
                                                         makeShards: (_ holds: Bool) -> Shards) async
    where Shards.Events == LogBatch {
        var shards = makeShards(disk != nil)
        if let disk {
            await consume(context, through: disk, replayEvents: replayEvents, into: &shards, name: name, log: log)
        } else {
            await consume(context, into: &shards, name: name, carries: "logs", log: log)
        }
    }

    /// The inbox loop of a log output with a disk buffer (`buffer: {type: disk}`):
    ///
    /// ```
    /// inbox ─▶ store: LogBatchRecord ─▶ DiskBuffer ─▶ read back ─▶ replay ring ─▶ consume ─▶ shards ─▶ lanes
    ///          upstream acknowledged         │         each batch carries a token that releases
    ///          once the record is appended   │         its record when every request made of
    ///                                        │         its events is settled
    ///                      what a previous run left is read first
    /// ```
    /// The output's shards must hold the acknowledgements of the batches in each request until
    /// the request is delivered or written off (`.delivered`), or left at shutdown (`.dropped`:
    /// the record stays on disk and comes back at the next start; at least once).
    ///
    /// When the inbox closes, the buffer is closed, what it holds is read back and batched, and
    /// the loop returns once all is submitted; cancelling the task (`shutdown_timeout`) stops
    /// the reader and the writer, leaving unreleased records for the next start.
    static func consume<Shards: DeliveryInboxShards>(_ context: OutputContext, through disk: DeliveryDiskBuffer,
                                                     replayEvents: Int, into shards: inout Shards, name: String,
                                                     log: RateLimitedLogger) async where Shards.Events == LogBatch {
        let buffer = disk.buffer
        let replay = StageInbox(maxEvents: replayEvents)
        let ring = replay.makeRing()
        let writer = Task {
            await store(context, disk: disk, name: name, log: log)
            buffer.close()
        }
        let reader = Task {
            await readBack(buffer, into: ring, metrics: context.metrics, name: name, log: log)
            ring.close()
        }
        await withTaskCancellationHandler {
            await consume(replay, metrics: context.metrics, countsReceived: false, into: &shards, name: name,
                          carries: "logs", log: log)
        } onCancel: {
            writer.cancel()
            reader.cancel()
            replay.budget.abandon()
        }
        await writer.value
        await reader.value
    }

    /// Appends every batch of the inbox to the buffer until the inbox closes, acknowledging each
    /// upstream once stored (`.dropped` when it was not).
    private static func store(_ context: OutputContext, disk: DeliveryDiskBuffer, name: String,
                              log: RateLimitedLogger) async {
        let metrics = context.metrics
        while var batch = await context.inbox.next() {
            metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
            let acknowledgements = batch.acknowledgements
            guard let logs = batch.takeLogs() else {
                metrics.dropCounter("unsupported").wrappingIncrement(by: batch.count, ordering: .relaxed)
                log.error("\(name): dropped \(batch.count) events: it carries logs only")
                batch.acknowledge(.dropped)
                continue
            }
            let status = await append(logs, 0..<logs.count, disk: disk, metrics: metrics, name: name, log: log)
            acknowledgements.release(status)
        }
    }

    /// Stores events `range` of `logs`, in halves when larger than a segment.
    private static func append(_ logs: LogBatch, _ range: Range<Int>, disk: DeliveryDiskBuffer, metrics: ComponentMetrics,
                               name: String, log: RateLimitedLogger) async -> AckStatus {
        let buffer = disk.buffer
        func drop(_ reason: String, _ why: String) -> AckStatus {
            metrics.dropCounter(reason).wrappingIncrement(by: range.count, ordering: .relaxed)
            log.error("\(name): dropped \(range.count) events: \(why)")
            return .dropped
        }
        let record = LogBatchRecord.make(logs, range)
        do {
            var id = try buffer.tryAppend(record)
            if id == nil, disk.whenFull == .block, !Task.isCancelled { id = try await buffer.append(record) }
            if id != nil { return .delivered }
            if disk.whenFull == .dropNewest, !Task.isCancelled {
                return drop("buffer_full", "disk buffer \(buffer.options.directory) is full (max_size \(buffer.options.maxBytes) bytes)")
            }
            return drop("shutdown", "stopped while waiting for room in the disk buffer")
        } catch DiskBufferError.recordTooLarge where range.count > 1 {
            let middle = range.lowerBound + range.count / 2
            let a = await append(logs, range.lowerBound..<middle, disk: disk, metrics: metrics, name: name, log: log)
            let b = await append(logs, middle..<range.upperBound, disk: disk, metrics: metrics, name: name, log: log)
            return a == .delivered && b == .delivered ? .delivered : .dropped
        } catch {
            metrics.errorCounter("buffer").wrappingIncrement(ordering: .relaxed)
            return drop("buffer_error", "\(error)")
        }
    }

    /// Reads records back in order until the buffer is closed and empty (or the task is
    /// cancelled), each as a batch whose acknowledgement token releases the record.
    private static func readBack(_ buffer: DiskBuffer, into ring: BatchRing, metrics: ComponentMetrics, name: String,
                                 log: RateLimitedLogger) async {
        do {
            while let (id, record) = try await buffer.next() {
                guard var logs = LogBatchRecord.read(record) else {
                    metrics.dropCounter("buffer_corrupt").wrappingIncrement(by: record.events, ordering: .relaxed)
                    log.error("\(name): dropped a stored batch of \(record.events) events that does not decode")
                    buffer.release(id)
                    continue
                }
                // Released once every request holding these events is settled; left when one was not.
                logs.acknowledgements.add(AckToken { status in
                    if status == .delivered { buffer.release(id) }
                })
                guard await ring.push(.logs(logs)) else { return }
            }
        } catch is CancellationError {
        } catch {
            metrics.errorCounter("buffer").wrappingIncrement(ordering: .relaxed)
            log.error("\(name): stopped reading the disk buffer: \(error); what is unread stays there")
        }
    }
}
