/// Delivers what a disk buffer holds: one task reads the records in order (`DiskBuffer.next`)
/// and hands each to the lane the output names for it (`DeliveryLanes`: one job at a time per
/// lane, in the order submitted), so records of one lane — a remote-write shard — are
/// delivered in the order they were appended while lanes run in parallel. A job delivers its
/// record, then releases it; a job cut short by shutdown leaves its record unreleased, so it
/// comes back at the next start.
///
/// The reader waits while the lane of the next record is busy (head-of-line), which keeps
/// the records in memory to one per lane plus the one being read.
package enum DiskBufferDelivery {
    /// What a lane job did with its record.
    package enum Outcome: Sendable, Equatable {
        /// Delivered or written off: release it.
        case settled
        /// Not delivered (shutdown): keep it for the next start.
        case kept
    }

    /// Reads `buffer` until it is closed and empty, or the task is cancelled, then waits for
    /// the lanes. `read` turns a record into a job and its lane (nil: the record is unusable;
    /// `unreadable` counts it and it is released); `failed` reports a read error, which stops
    /// reading (what is unread stays on disk).
    package static func run<Job: Sendable>(
        from buffer: DiskBuffer, lanes: DeliveryLanes,
        read: (DiskBufferRecord) -> (job: Job, lane: Int)?, unreadable: (DiskBufferRecord) -> Void,
        failed: (any Error) -> Void, deliver: @escaping @Sendable (Job) async -> Outcome
    ) async {
        do {
            while let (id, record) = try await buffer.next() {
                guard let (job, lane) = read(record) else {
                    unreadable(record)
                    buffer.release(id)
                    continue
                }
                await lanes.submit(lane: lane % lanes.count) {
                    if await deliver(job) == .settled { buffer.release(id) }
                }
            }
        } catch is CancellationError {
        } catch {
            failed(error)
        }
        await lanes.waitAll()
    }
}
