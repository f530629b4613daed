#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// Splits a byte stream into newline-terminated lines, carrying a partial line across reads.
///
/// A trailing `\r` is removed. A line longer than `maxLineBytes` is emitted cut at the
/// limit, the rest of it up to its newline discarded, and counted in `truncatedLines`.
struct LineFramer {
    let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var overflowed = false
    /// Bytes of the held line discarded past `maxLineBytes`.
    private var discarded = 0
    /// Lines cut at `maxLineBytes` so far.
    private(set) var truncatedLines = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
        partial.reserveCapacity(1024)
    }

    /// Bytes read of a line that has not ended yet, including those cut off past the limit.
    var pendingBytes: Int { partial.count + discarded }

    /// Appends each complete line of `chunk` to `batch` as an event stamped `timestamp`.
    mutating func frame(_ chunk: UnsafeRawBufferPointer, timestamp: Int64, into batch: inout LogBatch) {
        var start = 0
        while start < chunk.count {
            guard let newline = indexOfNewline(chunk, from: start) else {
                hold(UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<newline])
            if partial.isEmpty, !overflowed {
                if piece.count > maxLineBytes { truncatedLines += 1 }
                emit(UnsafeRawBufferPointer(rebasing: piece.prefix(maxLineBytes)), timestamp: timestamp, into: &batch)
            } else {
                hold(piece)
                emitHeld(timestamp: timestamp, into: &batch)
            }
            start = newline + 1
        }
    }

    /// Emits a final line that had no newline (end of input).
    mutating func flush(timestamp: Int64, into batch: inout LogBatch) {
        if !partial.isEmpty || overflowed { emitHeld(timestamp: timestamp, into: &batch) }
    }

    private mutating func hold(_ bytes: UnsafeRawBufferPointer) {
        let room = maxLineBytes - partial.count
        if bytes.count > room {
            overflowed = true
            discarded += bytes.count - room
        }
        partial.append(contentsOf: bytes.prefix(room))
    }

    private mutating func emitHeld(timestamp: Int64, into batch: inout LogBatch) {
        if overflowed { truncatedLines += 1 }
        partial.withUnsafeBytes { emit($0, timestamp: timestamp, into: &batch) }
        partial.removeAll(keepingCapacity: true)
        overflowed = false
        discarded = 0
    }

    private func emit(_ line: UnsafeRawBufferPointer, timestamp: Int64, into batch: inout LogBatch) {
        var bytes = line
        if let last = bytes.last, last == UInt8(ascii: "\r") { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        batch.append(timestamp: timestamp, message: bytes)
    }

    private func indexOfNewline(_ chunk: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = chunk.baseAddress, start < chunk.count else { return nil }
        guard let hit = memchr(base + start, Int32(UInt8(ascii: "\n")), chunk.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
