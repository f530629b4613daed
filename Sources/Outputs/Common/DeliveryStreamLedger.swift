/// What an ordered connection has written that the receiver has not confirmed: the
/// writes to make again, in order, after a reconnect.
///
/// ```
///  confirmed ◀─┬─ unconfirmed (oldest first) ───────────────┬─ next write
///              │ w3 (2 of 5 events acknowledged) │ w4 │ w5  │
///              └─ after a reconnect: w3, w4, w5 written again, acknowledgements count from 0
/// ```
/// With `acknowledgements`, a write is confirmed once the receiver acknowledged all its
/// events. With `tcpAcknowledged(tail:)`, once its last byte (its end offset in the bytes
/// that left the socket, `wrote(endingAt:)`) is within what the receiver's TCP acknowledged
/// (`transmitted(_:)`) and `tail` newer writes were acknowledged too: the most recently
/// acknowledged bytes are the ones a receiver may not have read from its socket yet.
///
/// ```
///  stream bytes: │ w1 │ w2 │ w3 │ w4 │ w5 │ w6 │   (w5, w6 still in the send queue)
///  TCP acked:    ├───────────────────┤
///  tail 2:                 └ w3, w4 ┘ kept: perhaps unread by the receiver
///  confirmed: w1, w2; replayed after a reconnect: w3, w4, w5, w6
/// ```
/// A partly acknowledged write is written whole again, so the receiver may see events
/// twice (at least once, never lost across a reconnect). A pure state machine: the
/// transport carries out what it says.
package struct DeliveryStreamLedger: Sendable {
    private struct Entry: Sendable {
        var write: DeliveryStreamWrite
        /// The write's end offset on the current connection, once it left the socket.
        var end: Int?
    }

    private let window: Int?
    private let tail: Int?
    /// Unconfirmed writes, oldest first; those with a known `end` come first.
    private var entries: [Entry] = []
    /// Entries whose `end` is known on the current connection.
    private var ended = 0
    /// Events of `entries.first` acknowledged on the current connection.
    private var acknowledgedOfFirst = 0

    package init(_ confirmation: DeliveryStreamConfirmation) {
        switch confirmation {
        case .acknowledgements(let window, _):
            precondition(window > 0, "BUG: a stream window needs at least one write")
            (self.window, tail) = (window, nil)
        case .tcpAcknowledged(let tail):
            (window, self.tail) = (nil, max(tail, 0))
        }
    }

    /// Unconfirmed writes, oldest first.
    package var unconfirmed: [DeliveryStreamWrite] { entries.map(\.write) }

    /// True when nothing is unconfirmed.
    package var isEmpty: Bool { entries.isEmpty }

    /// Unconfirmed writes.
    package var count: Int { entries.count }

    /// True when another write may go now (with acknowledgements: fewer than `window` unconfirmed).
    package var hasRoom: Bool { window.map { entries.count < $0 } ?? true }

    /// Events in unconfirmed writes.
    package var unconfirmedEvents: Int { entries.reduce(0) { $0 + $1.write.events } }

    /// Records a write about to be made.
    package mutating func write(_ write: DeliveryStreamWrite) {
        entries.append(Entry(write: write, end: nil))
    }

    /// Records that the oldest write not yet placed left the socket, its last byte at stream
    /// offset `end` (counted from the connection's first byte; TLS: ciphertext).
    package mutating func wrote(endingAt end: Int) {
        guard ended < entries.count else { return }
        entries[ended].end = end
        ended += 1
    }

    /// Records that the receiver's TCP acknowledged the connection's first `bytes` bytes;
    /// confirms the writes that lie wholly within them, except the last `tail` of those (all
    /// of them when `keepingTail` is false: at shutdown). Returns how many it confirmed.
    @discardableResult
    package mutating func transmitted(_ bytes: Int, keepingTail: Bool = true) -> Int {
        guard let tail else { return 0 }
        var acknowledged = 0
        while acknowledged < ended, let end = entries[acknowledged].end, end <= bytes { acknowledged += 1 }
        let confirmed = max(0, acknowledged - (keepingTail ? tail : 0))
        entries.removeFirst(confirmed)
        ended -= confirmed
        return confirmed
    }

    /// Takes back the newest write: it failed, and the driver will send its payload again.
    package mutating func takeBack() {
        guard !entries.isEmpty else { return }
        entries.removeLast()
        ended = min(ended, entries.count)
        if entries.isEmpty { acknowledgedOfFirst = 0 }
    }

    /// Records that the receiver acknowledged `events` more events; returns the writes this confirms.
    package mutating func acknowledge(_ events: Int) -> Int {
        acknowledgedOfFirst += events
        var confirmed = 0
        while let first = entries.first, acknowledgedOfFirst >= first.write.events {
            acknowledgedOfFirst -= first.write.events
            entries.removeFirst()
            confirmed += 1
        }
        ended = max(0, ended - confirmed)
        if entries.isEmpty { acknowledgedOfFirst = 0 }  // a receiver acknowledging more than written
        return confirmed
    }

    /// The writes to make again, in order, on a new connection; acknowledgements and
    /// offsets count from 0 there.
    package mutating func replay() -> [DeliveryStreamWrite] {
        acknowledgedOfFirst = 0
        ended = 0
        for k in entries.indices { entries[k].end = nil }
        return unconfirmed
    }

    /// Forgets every unconfirmed write (given up on); returns their events.
    package mutating func abandon() -> Int {
        defer {
            entries = []
            ended = 0
            acknowledgedOfFirst = 0
        }
        return unconfirmedEvents
    }
}
