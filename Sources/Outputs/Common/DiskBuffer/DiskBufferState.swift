/// One segment file as the buffer tracks it.
struct DiskBufferSegment: Sendable {
    let id: UInt64
    /// Bytes a reader may read: the whole records appended so far, or a recovered file's size.
    var end: Int
    /// A newer segment is being written; this one takes no more appends.
    var sealed: Bool
    /// On disk at start-up, so the start-up scan has already counted its damaged stretches.
    let recovered: Bool
    /// Records in it not yet released, and their events.
    var records: Int
    var events: Int
    /// The open file: the writer's while this is the write segment, the reader's once it read here.
    var file: DiskBufferFile?
}

/// A record handed out and not yet released, or released while an older one is still out.
struct DiskBufferLoan: Sendable {
    let id: DiskBufferRecordID
    let events: Int
    let writtenAt: Int64
    var released = false
}

/// What `next` should do.
enum DiskBufferReadTarget {
    /// Read the record at `id` (from `file` when one is open), in bytes up to `end`.
    /// `releasedEarlier`: skip it, a previous run released it.
    case read(DiskBufferRecordID, end: Int, file: DiskBufferFile?, recovered: Bool, releasedEarlier: Bool)
    /// Nothing to read yet.
    case wait
    /// Closed, and everything handed out.
    case finished
}

/// Which task is parked.
enum DiskBufferWaiter: Sendable {
    case reader, appender
}

/// A disk buffer's bookkeeping, kept behind one lock. No I/O here: each step is a few
/// comparisons, and the lock is never held across a system call that may block for long
/// or across an await.
struct DiskBufferState: Sendable {
    /// Segments in use, oldest first; the last is the write segment (never sealed).
    var segments: [DiskBufferSegment]
    /// The next record to hand out (or where the next one will be).
    var cursor: DiskBufferRecordID
    /// Records handed out and not yet released, in ID order; the first is never released.
    var loans: [DiskBufferLoan] = []
    /// Records at or after the cursor that a previous run released; the reader skips them.
    var releasedEarlier: Set<DiskBufferRecordID>
    /// The position in the position file, if one was read or written.
    var saved: DiskBufferRecordID?
    /// Releases so far, and how many of them the position file reflects.
    var releases = 0
    var savedReleases = 0
    var closed = false
    /// The write segment has bytes not yet synced (`.interval` only).
    var unsynced = false
    /// The counters (`written`, `replayed`, `corrupt`, `syncs`); `snapshot` adds the gauges.
    var counters = DiskBufferStats()
    var reader: CheckedContinuation<Void, Never>?
    var appender: CheckedContinuation<Void, Never>?
    /// The background task that syncs and saves the position.
    var flusher: Task<Void, Never>?

    /// Everything before this is released: the first loan, or the cursor when nothing is out.
    var position: DiskBufferRecordID { loans.first?.id ?? cursor }

    /// What the position file should say now.
    var positionToSave: DiskBufferPosition {
        DiskBufferPosition(next: position,
                           released: loans.filter(\.released).map(\.id) + releasedEarlier.sorted())
    }

    /// Whether the position file is behind.
    var positionChanged: Bool { saved != position || savedReleases != releases }

    /// Bytes in the segment files in use.
    var bytes: Int { segments.reduce(0) { $0 + $1.end } }

    /// The segments that `position` has passed, oldest first (never the write segment).
    func passed(by position: DiskBufferRecordID) -> ArraySlice<DiskBufferSegment> {
        segments.prefix { segment in
            segment.sealed && (segment.id < position.segment
                || (segment.id == position.segment && position.offset >= segment.end))
        }
    }

    /// Whether a segment could be deleted once the current position is saved.
    var segmentsToDelete: Bool { !passed(by: position).isEmpty }

    /// Whether there is a record the reader has not reached yet.
    var hasUnread: Bool {
        guard let i = segments.firstIndex(where: { $0.id >= cursor.segment }) else { return false }
        let offset = segments[i].id == cursor.segment ? cursor.offset : 0
        return segments[i].end > offset || segments[(i + 1)...].contains { $0.end > 0 }
    }

    /// Where the reader goes next; moves the cursor past segments it has finished.
    mutating func readTarget() -> DiskBufferReadTarget {
        while let segment = segments.first(where: { $0.id >= cursor.segment }) {
            if segment.id > cursor.segment { cursor = DiskBufferRecordID(segment: segment.id, offset: 0) }
            if cursor.offset < segment.end {
                return .read(cursor, end: segment.end, file: segment.file, recovered: segment.recovered,
                             releasedEarlier: releasedEarlier.contains(cursor))
            }
            guard segment.sealed else { break }
            cursor = DiskBufferRecordID(segment: segment.id + 1, offset: 0)
        }
        return closed ? .finished : .wait
    }

    /// The index of segment `id`, if it is in use.
    func index(of id: UInt64) -> Int? {
        segments.firstIndex { $0.id == id }
    }

    /// Marks `id` released; false when it is not out (never handed out, or released already).
    mutating func release(_ id: DiskBufferRecordID) -> Bool {
        var low = 0
        var high = loans.count
        while low < high {
            let middle = (low + high) / 2
            if loans[middle].id < id { low = middle + 1 } else { high = middle }
        }
        guard low < loans.count, loans[low].id == id, !loans[low].released else { return false }
        loans[low].released = true
        releases += 1
        forget(id, events: loans[low].events)
        while loans.first?.released == true { loans.removeFirst() }
        return true
    }

    /// Takes a record that will never be released (released, or skipped as corrupt) off its segment's counts.
    mutating func forget(_ id: DiskBufferRecordID, events: Int) {
        guard let i = index(of: id.segment) else { return }
        segments[i].records -= 1
        segments[i].events -= events
    }

    /// Removes and returns the parked continuation of `waiter`.
    mutating func takeWaiter(_ waiter: DiskBufferWaiter) -> CheckedContinuation<Void, Never>? {
        switch waiter {
        case .reader:
            defer { reader = nil }
            return reader
        case .appender:
            defer { appender = nil }
            return appender
        }
    }

    /// Parks `continuation` as `waiter`.
    mutating func park(_ waiter: DiskBufferWaiter, _ continuation: CheckedContinuation<Void, Never>) {
        switch waiter {
        case .reader: reader = continuation
        case .appender: appender = continuation
        }
    }

    /// The counters with the gauges filled in (all but `oldestAge`, which may need a read).
    var snapshot: DiskBufferStats {
        var stats = counters
        stats.bytes = bytes
        stats.segments = segments.count
        stats.records = segments.reduce(0) { $0 + $1.records }
        stats.events = segments.reduce(0) { $0 + $1.events }
        return stats
    }
}
