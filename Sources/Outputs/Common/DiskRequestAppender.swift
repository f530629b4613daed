import Pipeline

/// A request an output keeps whole in its disk buffer (`prometheus_remote_write`,
/// `opentelemetry`): the record it becomes, and what its items are called in messages.
protocol DiskStoredRequest: DeliveryPayload {
    /// The disk record of the request, to be sent on `lane`.
    func diskRecord(lane: Int) -> DiskBufferRecord
    /// What the request's items are called in log lines (`samples`, `spans`).
    var itemName: String { get }
}

/// Puts each encoded request into the disk buffer; the caller then releases the
/// acknowledgements of the batches in it (its shards held them once per request) with the
/// status returned: `.delivered` once the record is appended (and fsynced under `fsync:
/// always`), `.dropped` when it is not.
///
/// A full buffer drops the request (`when_full: drop_newest`, `dropped{buffer_full}`) or waits
/// for room (`block`: the inbox loop stops reading, so upstream is pushed back and memory
/// holds only the inbox and the request at hand). A request larger than a segment is stored
/// in halves.
struct DiskRequestAppender {
    let buffer: DiskBuffer
    let whenFull: BufferConfig.WhenFull
    let name: String
    let metrics: ComponentMetrics
    let log: RateLimitedLogger

    /// Stores `payload` (sent on `lane`), in halves if it is larger than a segment;
    /// `.dropped` (and counted) if any of it was not stored.
    func store<Request: DiskStoredRequest>(_ payload: Request, lane: Int) async -> AckStatus {
        let record = payload.diskRecord(lane: lane)
        do {
            var id = try buffer.tryAppend(record)
            if id == nil, whenFull == .block, !Task.isCancelled { id = try await buffer.append(record) }
            if id != nil { return .delivered }
            if whenFull == .dropNewest, !Task.isCancelled {
                return drop(payload, reason: "buffer_full",
                            "disk buffer \(buffer.options.directory) is full (max_size \(buffer.options.maxBytes) bytes)")
            }
            return drop(payload, reason: "shutdown", "stopped while waiting for room in the disk buffer")
        } catch DiskBufferError.recordTooLarge where payload.eventCount > 1 {
            guard let (first, second) = payload.split() else {
                return drop(payload, reason: "buffer_error", "a request too large for a disk buffer segment could not be split")
            }
            let a = await store(first, lane: lane)
            let b = await store(second, lane: lane)
            return a == .delivered && b == .delivered ? .delivered : .dropped
        } catch {
            metrics.errorCounter("buffer").wrappingIncrement(ordering: .relaxed)
            return drop(payload, reason: "buffer_error", "\(error)")
        }
    }

    private func drop(_ payload: some DiskStoredRequest, reason: String, _ why: String) -> AckStatus {
        metrics.dropCounter(reason).wrappingIncrement(by: payload.eventCount, ordering: .relaxed)
        log.error("\(name): dropped \(payload.eventCount) \(payload.itemName): \(why)")
        return .dropped
    }
}
