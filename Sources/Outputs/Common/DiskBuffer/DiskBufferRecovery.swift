#if canImport(Glibc)
import Glibc
#endif

/// Start-up: reads the position file, checks every segment it has not passed in place, and
/// opens a fresh segment to write.
///
/// The check walks record headers only (`DiskBufferSegmentScanner.walk`), so memory stays at
/// one header or one 64KiB scan window however large the backlog is; each body's crc is
/// checked when the reader hands the record out. Damage never makes start-up fail: each
/// damaged stretch is counted in `corrupt` and reported with its file and offset.
///
/// Appends always go to a new segment, never after a recovered tail, so a torn tail stays
/// behind its own end and new records never sit after damage.
enum DiskBufferRecovery {
    /// The state of the buffer in `options.directory` as found, with a new write segment.
    static func recover(_ options: DiskBufferOptions, meter: DiskBufferReadMeter,
                        report: (DiskBufferProblem) -> Void) throws -> DiskBufferState {
        let directory = options.directory
        var saved: DiskBufferPosition?
        switch DiskBufferPosition.load(directory, meter: meter) {
        case .missing:
            break
        case .found(let position):
            saved = position
        case .unreadable(let reason):
            report(.positionUnreadable(path: directory + "/" + DiskBufferPosition.fileName, reason: reason))
        }
        let start = saved?.next ?? DiskBufferRecordID(segment: 0, offset: 0)
        let released = Set(saved?.released.filter { $0 >= start } ?? [])

        var segments: [DiskBufferSegment] = []
        var corrupt = 0
        for id in try DiskBufferDirectory.segmentIDs(directory) {
            let path = DiskBufferDirectory.segmentPath(directory, id)
            let file = try DiskBufferFile(path: path, flags: O_RDONLY, meter: meter)
            var segment = DiskBufferSegment(id: id, end: try file.size(), sealed: true, recovered: true,
                                            records: 0, events: 0, file: nil)
            if id >= start.segment {
                let from = id == start.segment ? min(start.offset, segment.end) : 0
                (segment.records, segment.events) = try DiskBufferSegmentScanner.walk(
                    file, segment: id, from: from, to: segment.end, released: released) { offset, bytes in
                    corrupt += 1
                    report(.corrupt(path: path, offset: offset, bytes: bytes, reason: "torn or damaged record header"))
                }
            }
            segments.append(segment)
        }

        let writeID = max(segments.last?.id ?? 0, start.segment) + 1
        let writeFile = try DiskBufferFile(path: DiskBufferDirectory.segmentPath(directory, writeID),
                                           flags: O_RDWR | O_CREAT | O_TRUNC, meter: meter)
        try DiskBufferDirectory.sync(directory)
        segments.append(DiskBufferSegment(id: writeID, end: 0, sealed: false, recovered: false,
                                          records: 0, events: 0, file: writeFile))
        // Start at the saved position, or at the start of the first segment after it when its
        // segment is gone (the write segment at least, whose number is larger).
        guard let first = segments.first(where: { $0.id >= start.segment }) else {
            preconditionFailure("BUG: no segment at or after the saved position")
        }
        let cursor = first.id == start.segment ? start : DiskBufferRecordID(segment: first.id, offset: 0)
        var state = DiskBufferState(segments: segments, cursor: cursor, releasedEarlier: released, saved: saved?.next)
        state.counters.corrupt = corrupt
        return state
    }
}
