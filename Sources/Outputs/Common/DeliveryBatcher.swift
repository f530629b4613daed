/// The `batch:` options of a network output.
package struct DeliveryBatchLimits: Sendable, Equatable {
    /// Flush once this many events are pending.
    package var maxEvents: Int
    /// Flush once this many bytes are pending; an item that would overflow starts a new batch.
    package var maxBytes: Int
    /// Flush a batch this long after its first event, however small.
    package var timeout: Duration

    package init(maxEvents: Int, maxBytes: Int, timeout: Duration) {
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
        self.timeout = timeout
    }
}

/// When to send a batch: a state machine over events, bytes and the age of the batch.
///
/// The caller owns the events; the batcher only counts them and says when to flush:
///
/// ```
/// if !batcher.fits(bytes: n) { flush() }            // the item would overflow max_bytes
/// append(item)
/// if case .flush = batcher.add(bytes: n, now: now) { flush() }
/// …
/// if case .flush = batcher.check(now: clock.now) { flush() }   // at batcher.deadline
/// ```
/// `flush()` sends what is pending and calls `reset()`. Time only enters through the
/// `now` arguments, so tests drive it with any clock's instants.
package struct DeliveryBatcher<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Why a batch is sent.
    package enum FlushReason: String, Sendable {
        case events, bytes, timeout
    }

    /// What the caller does next.
    package enum Action: Sendable, Equatable {
        /// Keep collecting.
        case none
        /// Send the pending batch now.
        case flush(FlushReason)
    }

    package let limits: DeliveryBatchLimits
    /// Events pending.
    package private(set) var events = 0
    /// Bytes pending.
    package private(set) var bytes = 0
    /// When the pending batch is due; nil while empty.
    package private(set) var deadline: Instant?

    package init(limits: DeliveryBatchLimits) { self.limits = limits }

    /// True when nothing is pending.
    package var isEmpty: Bool { events == 0 }

    /// False when an item of `bytes` must start a new batch (the pending one would overflow).
    /// An empty batch takes any item, so one oversized item still goes out alone.
    package func fits(bytes more: Int) -> Bool {
        events == 0 || bytes + more <= limits.maxBytes
    }

    /// Counts an appended item; `.flush` when the batch is now full.
    package mutating func add(events more: Int = 1, bytes size: Int, now: Instant) -> Action {
        if events == 0 { deadline = now.advanced(by: limits.timeout) }
        events += more
        bytes += size
        if events >= limits.maxEvents { return .flush(.events) }
        if bytes >= limits.maxBytes { return .flush(.bytes) }
        return .none
    }

    /// `.flush(.timeout)` once a non-empty batch reached its deadline.
    package func check(now: Instant) -> Action {
        guard let deadline, now >= deadline else { return .none }
        return .flush(.timeout)
    }

    /// Starts over after the caller sent the pending batch.
    package mutating func reset() {
        events = 0
        bytes = 0
        deadline = nil
    }
}
