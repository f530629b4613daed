import NIOCore

/// One write on an ordered connection: the frames of one payload.
package struct DeliveryStreamWrite: Sendable, Equatable {
    /// The frames, written as one piece.
    package var bytes: ByteBuffer
    /// Events (frames) in `bytes`; a receiver's acknowledgements count these.
    package var events: Int

    package init(bytes: ByteBuffer, events: Int) {
        self.bytes = bytes
        self.events = events
    }
}
