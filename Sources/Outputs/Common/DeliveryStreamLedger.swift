/// What an ordered connection has written that the receiver has not confirmed: the
/// writes to make again, in order, after a reconnect.
///
/// ```
///  confirmed ◀─┬─ unconfirmed (oldest first) ───────────────┬─ next write
///              │ w3 (2 of 5 events acknowledged) │ w4 │ w5  │
///              └─ after a reconnect: w3, w4, w5 written again, acknowledgements count from 0
/// ```
/// With `acknowledgements`, a write is confirmed once the receiver acknowledged all its
/// events; with `lastWrites(keep:)`, once `keep` newer writes were made. A partly
/// acknowledged write is written whole again, so the receiver may see events twice
/// (at least once, never lost across a reconnect). A pure state machine: the transport
/// carries out what it says.
package struct DeliveryStreamLedger: Sendable {
    private let window: Int?
    private let keep: Int?
    /// Unconfirmed writes, oldest first.
    package private(set) var unconfirmed: [DeliveryStreamWrite] = []
    /// Events of `unconfirmed.first` acknowledged on the current connection.
    private var acknowledgedOfFirst = 0

    package init(_ confirmation: DeliveryStreamConfirmation) {
        switch confirmation {
        case .acknowledgements(let window, _):
            precondition(window > 0, "BUG: a stream window needs at least one write")
            (self.window, keep) = (window, nil)
        case .lastWrites(let keep):
            (window, self.keep) = (nil, max(keep, 0))
        }
    }

    /// True when another write may go now (with acknowledgements: fewer than `window` unconfirmed).
    package var hasRoom: Bool { window.map { unconfirmed.count < $0 } ?? true }

    /// Events in unconfirmed writes.
    package var unconfirmedEvents: Int { unconfirmed.reduce(0) { $0 + $1.events } }

    /// Records a write about to be made.
    package mutating func write(_ write: DeliveryStreamWrite) {
        unconfirmed.append(write)
        if let keep, unconfirmed.count > keep { confirmFirst(unconfirmed.count - keep) }
    }

    /// Takes back the newest write: it failed, and the driver will send its payload again.
    package mutating func takeBack() {
        guard !unconfirmed.isEmpty else { return }
        unconfirmed.removeLast()
        if unconfirmed.isEmpty { acknowledgedOfFirst = 0 }
    }

    /// Records that the receiver acknowledged `events` more events; returns the writes this confirms.
    package mutating func acknowledge(_ events: Int) -> Int {
        acknowledgedOfFirst += events
        var confirmed = 0
        while let first = unconfirmed.first, acknowledgedOfFirst >= first.events {
            acknowledgedOfFirst -= first.events
            unconfirmed.removeFirst()
            confirmed += 1
        }
        if unconfirmed.isEmpty { acknowledgedOfFirst = 0 }  // a receiver acknowledging more than written
        return confirmed
    }

    /// The writes to make again, in order, on a new connection; acknowledgements count from 0 there.
    package mutating func replay() -> [DeliveryStreamWrite] {
        acknowledgedOfFirst = 0
        return unconfirmed
    }

    /// Forgets every unconfirmed write (given up on); returns their events.
    package mutating func abandon() -> Int {
        defer {
            unconfirmed = []
            acknowledgedOfFirst = 0
        }
        return unconfirmedEvents
    }

    private mutating func confirmFirst(_ n: Int) {
        unconfirmed.removeFirst(n)
        acknowledgedOfFirst = 0
    }
}
