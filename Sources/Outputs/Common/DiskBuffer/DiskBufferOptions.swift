/// When appended records reach the disk (`buffer.fsync`).
package enum DiskBufferFsync: Sendable, Equatable {
    /// Before `append`/`tryAppend` returns: a record acknowledged upstream survives power loss.
    case always
    /// At most this often, by a background task, and on `close`; a power loss may lose up to
    /// this much of the newest records (a killed process loses nothing: the kernel has them).
    case interval(Duration)
}

/// Where a disk buffer lives and how large it may grow.
///
/// - directory: the buffer's own folder (created if missing), e.g. `data_dir/buffer/<output>`.
/// - maxBytes (`buffer.max_size`): segment files in use may hold at most this many bytes.
/// - segmentBytes (default `min(32MiB, max(1MiB, maxBytes/8))`, at most `maxBytes`): a segment
///   file is closed for appends before it would grow past this; no record may be larger.
/// - fsync (default `.interval(1s)`): see `DiskBufferFsync`.
package struct DiskBufferOptions: Sendable, Equatable {
    package var directory: String
    package var maxBytes: Int
    package var segmentBytes: Int
    package var fsync: DiskBufferFsync

    package init(directory: String, maxBytes: Int, segmentBytes: Int? = nil,
                 fsync: DiskBufferFsync = .interval(.seconds(1))) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.segmentBytes = segmentBytes ?? Self.defaultSegmentBytes(maxBytes: maxBytes)
        self.fsync = fsync
    }

    /// An eighth of the buffer, between 1MiB and 32MiB, and never more than the buffer.
    package static func defaultSegmentBytes(maxBytes: Int) -> Int {
        min(maxBytes, min(32 << 20, max(1 << 20, maxBytes / 8)))
    }

    /// Throws unless a record can fit (a segment holds more than a record header), a segment
    /// fits in the buffer, offsets fit the format's 32-bit lengths, and an interval is positive.
    func validate() throws {
        let smallest = DiskBufferRecordFormat.headerBytes + 1
        guard segmentBytes >= smallest else {
            throw DiskBufferError.invalidOptions("segment size \(segmentBytes) bytes is under \(smallest) bytes")
        }
        guard segmentBytes <= Int(UInt32.max) else {
            throw DiskBufferError.invalidOptions("segment size \(segmentBytes) bytes is over 4GiB")
        }
        guard maxBytes >= segmentBytes else {
            throw DiskBufferError.invalidOptions("max size \(maxBytes) bytes is under the segment size \(segmentBytes) bytes")
        }
        if case .interval(let period) = fsync, period <= .zero {
            throw DiskBufferError.invalidOptions("fsync interval \(period) is not positive")
        }
    }
}
