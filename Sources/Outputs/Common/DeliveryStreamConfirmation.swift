import NIOCore

/// When a write on a stream counts as confirmed, so it need not be written again after a reconnect.
package enum DeliveryStreamConfirmation: Sendable {
    /// The receiver acknowledges events in order on the same connection; `read` takes
    /// what it can from the bytes received and returns how many more events that confirms.
    /// At most `window` writes are unconfirmed at a time: a write waits for room.
    case acknowledgements(window: Int, read: @Sendable (inout ByteBuffer) throws -> Int)
    /// The receiver never answers (syslog over TCP or TLS). A write is confirmed once the
    /// receiver's TCP stack has acknowledged every byte of it (Linux `TCP_INFO`
    /// `tcpi_bytes_acked`, against the write's end offset in the bytes that left the
    /// socket: ciphertext with TLS) and at least `tail` newer writes were acknowledged too,
    /// because a receiver killed with bytes in its socket buffer that it had not read yet
    /// loses them although its TCP acknowledged them, and those are the last acknowledged.
    /// At shutdown the tail is confirmed by TCP alone.
    case tcpAcknowledged(tail: Int)
}
