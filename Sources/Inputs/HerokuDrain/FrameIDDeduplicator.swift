/// Remembers recently accepted `Logplex-Frame-Id`s so logplex's retries are not emitted twice.
///
/// Bounded in time (`window`) and in count (`capacity`, oldest forgotten first).
/// Not thread-safe: the drain keeps it behind a lock, since retries may arrive on any loop.
struct FrameIDDeduplicator {
    let window: Int64
    let capacity: Int
    private var expiries: [String: Int64] = [:]
    private var order: [(id: String, expiry: Int64)] = []
    private var head = 0

    init(windowNanoseconds: Int64, capacity: Int = 200_000) {
        self.window = windowNanoseconds
        self.capacity = capacity
    }

    /// True when `id` was accepted within the window.
    mutating func contains(_ id: String, now: Int64) -> Bool {
        evict(now: now)
        guard let expiry = expiries[id] else { return false }
        return expiry > now
    }

    /// Records `id` as accepted at `now`.
    mutating func insert(_ id: String, now: Int64) {
        evict(now: now)
        let expiry = now + window
        expiries[id] = expiry
        order.append((id, expiry))
        if expiries.count > capacity { forgetOldest() }
    }

    private mutating func evict(now: Int64) {
        while head < order.count, order[head].expiry <= now { forgetOldest() }
        if head > 4096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    private mutating func forgetOldest() {
        let oldest = order[head]
        if expiries[oldest.id] == oldest.expiry { expiries[oldest.id] = nil }
        head += 1
    }
}
