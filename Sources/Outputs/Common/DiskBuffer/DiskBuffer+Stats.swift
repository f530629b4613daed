#if canImport(Glibc)
import Glibc
#endif

extension DiskBuffer {
    /// Gauges and counters now. The oldest unreleased record is the first one out, or, with
    /// none out, the first one unread, whose header is read from disk (32 bytes).
    package var stats: DiskBufferStats {
        let (snapshot, oldestLoan, unread) = state.withLockedValue { state in
            (state.snapshot, state.loans.first?.writtenAt, firstUnread(state))
        }
        var stats = snapshot
        if let writtenAt = oldestLoan ?? unread.flatMap(writtenAt) {
            stats.oldestAge = max(0, now() - writtenAt)
        }
        return stats
    }

    /// Where the first unread record that still counts can be found.
    private struct Unread {
        var id: DiskBufferRecordID
        var end: Int
        var file: DiskBufferFile?
        var releasedEarlier: Set<DiskBufferRecordID>
    }

    private func firstUnread(_ state: DiskBufferState) -> Unread? {
        guard let segment = state.segments.first(where: { $0.id >= state.cursor.segment && $0.records > 0 }) else { return nil }
        let offset = segment.id == state.cursor.segment ? state.cursor.offset : 0
        return Unread(id: DiskBufferRecordID(segment: segment.id, offset: offset), end: segment.end,
                      file: segment.file, releasedEarlier: state.releasedEarlier)
    }

    /// When the first record at or after `unread.id` that a previous run did not release was appended.
    private func writtenAt(_ unread: Unread) -> Int64? {
        do {
            let file = try unread.file ?? DiskBufferFile(
                path: DiskBufferDirectory.segmentPath(options.directory, unread.id.segment), flags: O_RDONLY, meter: meter)
            var offset = unread.id.offset
            while offset < unread.end {
                guard let header = try DiskBufferSegmentScanner.header(in: file, at: offset, end: unread.end) else {
                    offset = try DiskBufferSegmentScanner.resynchronise(in: file, after: offset, end: unread.end)
                    continue
                }
                if !unread.releasedEarlier.contains(DiskBufferRecordID(segment: unread.id.segment, offset: offset)) {
                    return header.writtenAt
                }
                offset += header.recordBytes
            }
        } catch {
            // The segment was deleted meanwhile: its records were released, so none is the oldest.
        }
        return nil
    }
}
