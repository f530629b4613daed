import NIOCore

/// When a write on a stream counts as confirmed, so it need not be written again after a reconnect.
package enum DeliveryStreamConfirmation: Sendable {
    /// The receiver acknowledges events in order on the same connection; `read` takes
    /// what it can from the bytes received and returns how many more events that confirms.
    /// At most `window` writes are unconfirmed at a time: a write waits for room.
    case acknowledgements(window: Int, read: @Sendable (inout ByteBuffer) throws -> Int)
    /// The receiver never answers (syslog over TCP or TLS): the last `keep` writes count
    /// as unconfirmed, and a write older than that as confirmed.
    case lastWrites(keep: Int)
}
