import NIOConcurrencyHelpers
import NIOCore

/// One open tap: the encoded batches its reader has not taken yet, bounded so that a slow
/// reader never holds the component up. A batch that finds the buffer at its bound is
/// skipped for this tap alone, and counted.
final class TapSubscription: Sendable {
    /// What `next()` hands the reader.
    struct Delivery {
        /// Encoded batches (NDJSON, one line per event) and their event counts, in order.
        var chunks: [(bytes: ByteBuffer, events: Int)]
        /// Events skipped since the previous delivery, before these.
        var skipped: Int
    }

    private struct State {
        var chunks: [(bytes: ByteBuffer, events: Int)] = []
        var bytes = 0
        var skipped = 0
        var skippedTotal = 0
        var accepted = 0
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?

        var hasDelivery: Bool { !chunks.isEmpty || skipped > 0 }
    }

    /// The port watched: 0 the default port, k+1 the component's k-th named port.
    let port: Int
    /// Encoded bytes held for the reader before batches are skipped.
    let maxBytes: Int
    /// Events after which the tap takes no more (its `limit`); `Int.max` for none.
    let wanted: Int
    private let state = NIOLockedValueBox(State())

    init(port: Int, maxBytes: Int, wanted: Int) {
        self.port = port
        self.maxBytes = maxBytes
        self.wanted = wanted
    }

    /// Events skipped in all because the reader was behind.
    var skippedTotal: Int { state.withLockedValue { $0.skippedTotal } }

    /// True while a reader waits in `next()` for something to arrive.
    var hasParkedReader: Bool { state.withLockedValue { $0.waiter != nil } }

    /// True when a batch of `events` is to be encoded and `append`ed; false when the tap is
    /// full (the batch is counted as skipped), has all it wants, or has ended. Never waits.
    func admit(_ events: Int) -> Bool {
        state.withLockedValue {
            guard !$0.finished, $0.accepted < wanted else { return false }
            guard $0.bytes < maxBytes else {
                $0.skipped += events
                $0.skippedTotal += events
                return false
            }
            return true
        }
    }

    /// Hands an admitted batch, encoded, to the reader. Never waits.
    func append(_ encoded: ByteBuffer, events: Int) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            guard !s.finished else { return nil }
            s.chunks.append((encoded, events))
            s.bytes += encoded.readableBytes
            s.accepted += events
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Ends the tap: the reader gets what is held, then nil.
    func finish() {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// What arrived since the last call, waiting for something; nil once the tap has ended
    /// (`finish`) and nothing is held any more. A cancelled caller ends the tap, so a busy
    /// component cannot keep it going: it gets what is held, then nil.
    func next() async -> Delivery? {
        while true {
            if Task.isCancelled { finish() }
            let taken = state.withLockedValue { s -> Delivery? in
                guard s.hasDelivery else { return nil }
                defer { s.chunks = []; s.bytes = 0; s.skipped = 0 }
                return Delivery(chunks: s.chunks, skipped: s.skipped)
            }
            if let taken { return taken }
            if state.withLockedValue({ $0.finished }) { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let now = state.withLockedValue { s -> Bool in
                        if s.hasDelivery || s.finished || Task.isCancelled { return true }
                        s.waiter = waiter
                        return false
                    }
                    if now { waiter.resume() }
                }
            } onCancel: {
                let waiter = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
                    defer { s.waiter = nil }
                    return s.waiter
                }
                waiter?.resume()
            }
        }
    }
}
