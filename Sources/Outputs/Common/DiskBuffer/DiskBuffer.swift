import NIOConcurrencyHelpers
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// A persistent queue of encoded requests between a network output's encoder and its sender
/// (SPEC §5 `buffer.type: disk`), after vmagent's persistent queue: it stores compressed request
/// bodies, so replay never re-encodes.
///
/// Records go to append-only segment files (`DiskBufferDirectory`, `DiskBufferRecordFormat`).
/// `next` hands them out in order; the sender calls `release` once the receiver confirmed one
/// (or it was dead-lettered), in any order. The position — the first unreleased record, plus
/// those released after it — is saved atomically (`DiskBufferPosition`), and a segment is
/// deleted only once it is sealed, wholly released and a saved position has passed it. Delivery
/// is at least once: after a crash, records handed out but not released, and releases not yet
/// saved, come back.
///
/// Durability (`DiskBufferFsync`): with `.always` each append fsyncs its segment before it
/// returns. With `.interval(d)` a background task fsyncs the write segment every `d` when it has
/// new bytes (a sealed segment is synced when the next one starts, and everything on `close`).
/// The same task saves a changed position every `d` (every second under `.always`); a save also
/// precedes every segment deletion and happens on `close`, and after `close` on every release.
///
/// Tasks: `tryAppend`/`append` from one task, `next` from one task, `release` and `stats` from
/// any. The state sits behind one lock that no system call that may block and no await runs
/// under; file reads and writes happen outside it.
package final class DiskBuffer: Sendable {
    package let options: DiskBufferOptions
    let state: NIOLockedValueBox<DiskBufferState>
    /// Serialises position saves and the segment deletions that follow them.
    let positionLock = NIOLock()
    let meter = DiskBufferReadMeter()
    let now: @Sendable () -> Int64
    let report: @Sendable (DiskBufferProblem) -> Void
    /// Held for the buffer's life so no other buffer opens the directory.
    private let lockFile: DiskBufferFile
    /// How often the position is saved under `.always`.
    private static let positionSaveInterval = Duration.seconds(1)

    /// Opens (creating it if missing) the buffer in `options.directory` and recovers what is
    /// there; damaged records are skipped, counted and passed to `report`, never thrown.
    /// Throws for bad options, a directory in use by another buffer, or a failing system call.
    package init(options: DiskBufferOptions, now: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() },
                 report: @escaping @Sendable (DiskBufferProblem) -> Void = { _ in }) throws {
        try options.validate()
        self.options = options
        self.now = now
        self.report = report
        try DiskBufferDirectory.create(options.directory)
        lockFile = try DiskBufferDirectory.lock(options.directory, meter: meter)
        state = NIOLockedValueBox(try DiskBufferRecovery.recover(options, meter: meter, report: report))
        savePosition()
        startFlusher()
    }

    deinit {
        state.withLockedValue { $0.flusher }?.cancel()
    }

    /// Stores `record` unless that would take the segment files past `maxBytes` (nil: the
    /// caller drops and counts it, or waits). Throws when the record is larger than a segment,
    /// the buffer is closed, or the write fails.
    package func tryAppend(_ record: DiskBufferRecord) throws -> DiskBufferRecordID? {
        try place(encode(record), events: record.events)
    }

    /// Stores `record`, waiting while the buffer is full until releases free a segment
    /// (`when_full: block`). Nil when the buffer is closed or the task cancelled while waiting.
    package func append(_ record: DiskBufferRecord) async throws -> DiskBufferRecordID? {
        let bytes = try encode(record)
        while true {
            if let id = try place(bytes, events: record.events) { return id }
            let limit = options.maxBytes - bytes.count
            await park(.appender) { $0.closed || $0.bytes <= limit }
            if Task.isCancelled || state.withLockedValue({ $0.closed }) { return nil }
        }
    }

    /// Confirms `id`: it will not be handed out again, even after a restart once the position
    /// is saved. Releasing a record not handed out, or twice, is a bug in the caller.
    package func release(_ id: DiskBufferRecordID) {
        let save = state.withLockedValue { state -> Bool in
            guard state.release(id) else {
                preconditionFailure("BUG: DiskBuffer.release(\(id)) of a record not handed out or already released")
            }
            return state.closed || state.segmentsToDelete
        }
        if save { savePosition() }
    }

    /// Stops appends and wakes waiters; syncs the write segment and saves the position. `next`
    /// still hands out what is left, then answers nil.
    package func close() {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Void, Never>?]? in
            guard !state.closed else { return nil }
            state.closed = true
            state.flusher?.cancel()
            state.flusher = nil
            return [state.takeWaiter(.reader), state.takeWaiter(.appender)]
        }
        guard let woken else { return }
        for waiter in woken { waiter?.resume() }
        flush()
    }

    /// The largest single read the buffer has made (bytes): one header, one record's payload
    /// or metadata, or one 64KiB scan window — never a segment, whatever the backlog.
    package var largestRead: Int { meter.largestRead }

    private func encode(_ record: DiskBufferRecord) throws -> [UInt8] {
        try DiskBufferRecordFormat.encode(record, writtenAt: now(), limit: options.segmentBytes)
    }

    /// What `place` does next.
    private enum Placement {
        case write(DiskBufferRecordID, DiskBufferFile)
        case rollover(UInt64)
        case full
    }

    /// Writes `bytes` at the end of the write segment, starting a new segment first when they
    /// would not fit; nil when the buffer has no room.
    private func place(_ bytes: [UInt8], events: Int) throws -> DiskBufferRecordID? {
        while true {
            let placement = try state.withLockedValue { state -> Placement in
                guard !state.closed else { throw DiskBufferError.closed(directory: options.directory) }
                let writing = state.segments[state.segments.count - 1]
                if writing.end > 0 && writing.end + bytes.count > options.segmentBytes { return .rollover(writing.id + 1) }
                guard state.bytes + bytes.count <= options.maxBytes else { return .full }
                guard let file = writing.file else { preconditionFailure("BUG: the write segment has no open file") }
                return .write(DiskBufferRecordID(segment: writing.id, offset: writing.end), file)
            }
            switch placement {
            case .full:
                return nil
            case .rollover(let id):
                try rollover(to: id)
            case .write(let id, let file):
                try file.write(bytes, at: id.offset)
                if options.fsync == .always { try file.sync() }
                let reader = state.withLockedValue { state in
                    let i = state.segments.count - 1
                    state.segments[i].end += bytes.count
                    state.segments[i].records += 1
                    state.segments[i].events += events
                    state.counters.written += 1
                    if options.fsync == .always { state.counters.syncs += 1 } else { state.unsynced = true }
                    return state.takeWaiter(.reader)
                }
                reader?.resume()
                return id
            }
        }
    }

    /// Seals the write segment (synced first) and starts segment `id`; deletes the old one if
    /// it is already wholly released.
    private func rollover(to id: UInt64) throws {
        let file = try DiskBufferFile(path: DiskBufferDirectory.segmentPath(options.directory, id),
                                      flags: O_RDWR | O_CREAT | O_TRUNC, meter: meter)
        try DiskBufferDirectory.sync(options.directory)
        try syncWriteSegment()
        let delete = state.withLockedValue { state -> Bool in
            state.segments[state.segments.count - 1].sealed = true
            state.segments[state.segments.count - 1].file = nil
            state.segments.append(DiskBufferSegment(id: id, end: 0, sealed: false, recovered: false,
                                                    records: 0, events: 0, file: file))
            return state.segmentsToDelete
        }
        if delete { savePosition() }
    }

    /// Fsyncs the write segment if it has bytes not yet synced.
    private func syncWriteSegment() throws {
        let file = state.withLockedValue { state -> DiskBufferFile? in
            guard state.unsynced else { return nil }
            state.unsynced = false
            return state.segments.last?.file
        }
        guard let file else { return }
        do {
            try file.sync()
            state.withLockedValue { $0.counters.syncs += 1 }
        } catch {
            state.withLockedValue { $0.unsynced = true }
            throw error
        }
    }

    /// Syncs the write segment and saves the position; failures are reported (the next flush retries).
    func flush() {
        do {
            try syncWriteSegment()
        } catch {
            report(.segmentFailed(reason: "\(error)"))
        }
        savePosition()
    }

    /// Saves the position if it changed, then deletes the segments it has passed and wakes a
    /// waiting append. A segment is never deleted before a position past it is on disk.
    func savePosition() {
        positionLock.withLock {
            let (position, changed) = state.withLockedValue { state in
                (state.positionToSave, state.positionChanged ? state.releases : nil)
            }
            if let releases = changed {
                do {
                    try position.save(options.directory, meter: meter)
                } catch {
                    report(.positionNotSaved(reason: "\(error)"))
                    return
                }
                state.withLockedValue { state in
                    state.saved = position.next
                    state.savedReleases = releases
                }
            }
            let passed = state.withLockedValue { $0.passed(by: position.next).map(\.id) }
            guard !passed.isEmpty else { return }
            var deleted = 0
            for id in passed {
                do {
                    try DiskBufferDirectory.remove(DiskBufferDirectory.segmentPath(options.directory, id))
                    deleted += 1
                } catch {
                    report(.segmentFailed(reason: "\(error)"))
                    break
                }
            }
            let appender = state.withLockedValue { state in
                state.segments.removeFirst(deleted)
                return state.takeWaiter(.appender)
            }
            appender?.resume()
        }
    }

    /// Runs `flush` every fsync interval (every second under `.always`) until `close`; it holds
    /// the buffer weakly, so a buffer dropped without `close` (a crash, in tests) goes away.
    private func startFlusher() {
        let period: Duration
        switch options.fsync {
        case .always: period = Self.positionSaveInterval
        case .interval(let interval): period = interval
        }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self, !Task.isCancelled else { return }
                self.flush()
            }
        }
        state.withLockedValue { $0.flusher = task }
    }
}
