/// What an output's disk buffer reports on `/metrics` (`pipectl_buffer_disk_*`).
public struct DiskBufferGauges: Sendable {
    /// Bytes of segment files in use.
    public var bytes: Int
    /// Events in records not yet confirmed by the receiver.
    public var events: Int
    /// Age of the oldest unconfirmed record, seconds (0 when empty).
    public var oldestAgeSeconds: Double
    /// Records appended since start.
    public var written: Int
    /// Records recovered at start-up and handed out again.
    public var replayed: Int
    /// Damaged stretches skipped (torn tails, corrupt records).
    public var corrupt: Int

    public init(bytes: Int, events: Int, oldestAgeSeconds: Double, written: Int, replayed: Int, corrupt: Int) {
        self.bytes = bytes
        self.events = events
        self.oldestAgeSeconds = oldestAgeSeconds
        self.written = written
        self.replayed = replayed
        self.corrupt = corrupt
    }
}
