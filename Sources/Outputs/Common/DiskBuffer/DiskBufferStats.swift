/// A disk buffer's gauges and counters, for `/metrics` and `/v1/components`.
package struct DiskBufferStats: Sendable, Equatable {
    /// Bytes in the segment files in use (released records stay until their segment is deleted).
    package var bytes = 0
    /// Segment files in use, the one being written included.
    package var segments = 0
    /// Records not yet released: waiting to be read or handed out and not yet confirmed.
    package var records = 0
    /// Events in those records.
    package var events = 0
    /// Nanoseconds since the oldest unreleased record was appended; 0 when there is none.
    package var oldestAge: Int64 = 0
    /// Records appended since start-up.
    package var written = 0
    /// Records handed out that were on disk at start-up.
    package var replayed = 0
    /// Damaged stretches skipped: a torn or corrupt record, or a run of bytes with no intact
    /// header (such a run may have held several records; their number is unknowable).
    package var corrupt = 0
    /// `fsync` calls on segment files.
    package var syncs = 0

    package init() {}
}
