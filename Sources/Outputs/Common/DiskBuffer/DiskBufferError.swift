/// Why a disk buffer refused an operation.
package enum DiskBufferError: Error, Equatable, CustomStringConvertible {
    /// The record with its header is larger than a segment may be.
    case recordTooLarge(bytes: Int, limit: Int)
    /// The record cannot be stored as it is (an event count out of range).
    case invalidRecord(String)
    /// The options cannot work together.
    case invalidOptions(String)
    /// A system call failed.
    case io(operation: String, path: String, reason: String)
    /// Another buffer (in this process or another) has the directory open.
    case locked(directory: String)
    /// `close` was called.
    case closed(directory: String)

    package var description: String {
        switch self {
        case .recordTooLarge(let bytes, let limit):
            "disk buffer: a record of \(bytes) bytes with its header is over the segment size of \(limit) bytes"
        case .invalidRecord(let reason): "disk buffer: invalid record: \(reason)"
        case .invalidOptions(let reason): "disk buffer: \(reason)"
        case .io(let operation, let path, let reason): "disk buffer: \(operation) \(path): \(reason)"
        case .locked(let directory): "disk buffer: \(directory) is in use by another buffer (its lock file is held)"
        case .closed(let directory): "disk buffer: \(directory) is closed"
        }
    }
}

/// Something the buffer met and carried on past; the owner logs it (rate limited).
package enum DiskBufferProblem: Sendable, Equatable, CustomStringConvertible {
    /// Bytes skipped in a segment: a torn or corrupt record, counted in `stats.corrupt`.
    case corrupt(path: String, offset: Int, bytes: Int, reason: String)
    /// The position file could not be read at start-up: delivery starts at the oldest segment.
    case positionUnreadable(path: String, reason: String)
    /// The position could not be saved: released segments are kept until a later save works.
    case positionNotSaved(reason: String)
    /// A segment could not be synced or deleted.
    case segmentFailed(reason: String)

    package var description: String {
        switch self {
        case .corrupt(let path, let offset, let bytes, let reason):
            "disk buffer \(path): skipped \(bytes) bytes at offset \(offset) (\(reason))"
        case .positionUnreadable(let path, let reason):
            "disk buffer \(path): \(reason); delivering from the oldest segment"
        case .positionNotSaved(let reason): "disk buffer: position not saved (\(reason)); released segments kept"
        case .segmentFailed(let reason): "disk buffer: \(reason)"
        }
    }
}
