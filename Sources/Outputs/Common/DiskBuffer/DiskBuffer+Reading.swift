#if canImport(Glibc)
import Glibc
#endif

extension DiskBuffer {
    /// The next record not yet handed out, in append order, waiting for one if there is none;
    /// nil once the buffer is closed and everything is handed out. Damaged records are skipped
    /// and reported. Throws `CancellationError` when the task is cancelled, or a read error.
    package func next() async throws -> (DiskBufferRecordID, DiskBufferRecord)? {
        while true {
            try Task.checkCancellation()
            switch state.withLockedValue({ $0.readTarget() }) {
            case .finished:
                return nil
            case .wait:
                await park(.reader) { $0.closed || $0.hasUnread }
            case .read(let id, let end, let file, let recovered, let releasedEarlier):
                if let found = try read(id, end: end, file: file ?? openSegment(id.segment),
                                        recovered: recovered, releasedEarlier: releasedEarlier) {
                    return found
                }
            }
        }
    }

    /// Reads the record at `id` and hands it out, or steps the cursor past it (released by a
    /// previous run, corrupt, or the start of damage) and returns nil.
    private func read(_ id: DiskBufferRecordID, end: Int, file: DiskBufferFile, recovered: Bool,
                      releasedEarlier: Bool) throws -> (DiskBufferRecordID, DiskBufferRecord)? {
        guard let header = try DiskBufferSegmentScanner.header(in: file, at: id.offset, end: end) else {
            let resume = try DiskBufferSegmentScanner.resynchronise(in: file, after: id.offset, end: end)
            state.withLockedValue { state in
                state.cursor = DiskBufferRecordID(segment: id.segment, offset: resume)
                if !recovered { state.counters.corrupt += 1 }
            }
            // Start-up counted and reported damage in recovered segments already.
            if !recovered {
                report(.corrupt(path: file.path, offset: id.offset, bytes: resume - id.offset,
                                reason: "torn or damaged record header"))
            }
            return nil
        }
        let after = DiskBufferRecordID(segment: id.segment, offset: id.offset + header.recordBytes)
        if releasedEarlier {
            state.withLockedValue { state in
                state.releasedEarlier.remove(id)
                state.cursor = after
            }
            return nil
        }
        guard let record = try DiskBufferSegmentScanner.record(in: file, at: id.offset, header: header) else {
            state.withLockedValue { state in
                state.cursor = after
                state.counters.corrupt += 1
                state.forget(id, events: header.events)
            }
            report(.corrupt(path: file.path, offset: id.offset, bytes: header.recordBytes, reason: "record checksum mismatch"))
            return nil
        }
        state.withLockedValue { state in
            state.cursor = after
            state.loans.append(DiskBufferLoan(id: id, events: header.events, writtenAt: header.writtenAt))
            if recovered { state.counters.replayed += 1 }
        }
        return (id, record)
    }

    /// Opens segment `id` for reading and keeps it open with the segment until it is deleted.
    private func openSegment(_ id: UInt64) throws -> DiskBufferFile {
        let file = try DiskBufferFile(path: DiskBufferDirectory.segmentPath(options.directory, id),
                                      flags: O_RDONLY, meter: meter)
        state.withLockedValue { state in
            if let i = state.index(of: id), state.segments[i].file == nil { state.segments[i].file = file }
        }
        return file
    }

    /// Parks the calling task as `waiter` until woken, unless `ready` already holds; returns
    /// at once on cancellation. Readiness is checked under the same lock the wakers take, so
    /// no wake-up is lost.
    func park(_ waiter: DiskBufferWaiter, unless ready: (DiskBufferState) -> Bool) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLockedValue { state -> Bool in
                    guard !ready(state), !Task.isCancelled else { return false }
                    state.park(waiter, continuation)
                    return true
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.takeWaiter(waiter) }?.resume()
        }
    }
}
