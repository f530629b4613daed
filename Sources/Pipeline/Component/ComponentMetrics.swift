import Atomics
import NIOConcurrencyHelpers
import NIOCore

/// Counters one component keeps about itself; read by the admin API and `internal_metrics`.
public final class ComponentMetrics: Sendable {
    /// The component id.
    public let id: String
    /// Events the component took in (inputs: events they produced from the wire).
    public let receivedEvents = ManagedAtomic<Int>(0)
    /// Bytes the component took in (inputs: wire bytes; others: arena bytes).
    public let receivedBytes = ManagedAtomic<Int>(0)
    /// Events the component passed on (outputs: delivered).
    public let sentEvents = ManagedAtomic<Int>(0)
    /// Set while an output cannot deliver; clears when it can again.
    public let failing = ManagedAtomic<Bool>(false)
    /// Requests an output sent again after a failure.
    public let retries = ManagedAtomic<Int>(0)
    /// Copy-on-write copies of batches this stage caused (see `BatchCopies`).
    public let batchCopies = ManagedAtomic<Int>(0)
    /// How long an output's requests took, each attempt, answered or not.
    public let requestDuration = LatencyHistogram()
    /// Reads an output's disk buffer for `/metrics` (set by outputs with `buffer: {type: disk}`).
    public let diskBuffer = NIOLockedValueBox<(@Sendable () -> DiskBufferGauges)?>(nil)
    /// Writes the component's own state as one JSON value, shown as `"state"` in `/v1/components`
    /// (set by components with more to show than counters, e.g. `cardinality_limit`).
    public let state = NIOLockedValueBox<(@Sendable (inout ByteBuffer) -> Void)?>(nil)
    private let errors = CounterTable()
    private let drops = CounterTable()

    public init(id: String) { self.id = id }

    /// The error counter of `kind` (e.g. `parse`, `write`); cache it outside hot loops.
    public func errorCounter(_ kind: String) -> ManagedAtomic<Int> { errors.counter(kind) }

    /// The dropped-events counter of `reason` (e.g. `buffer_full`); cache it outside hot loops.
    public func dropCounter(_ reason: String) -> ManagedAtomic<Int> { drops.counter(reason) }

    /// Every error counter by kind, sorted.
    public var errorCounts: [(String, Int)] { errors.counts }

    /// Every drop counter by reason, sorted.
    public var dropCounts: [(String, Int)] { drops.counts }
}

/// Counters created on first use, by name.
private final class CounterTable: Sendable {
    private let table = NIOLockedValueBox<[String: ManagedAtomic<Int>]>([:])

    func counter(_ name: String) -> ManagedAtomic<Int> {
        table.withLockedValue { table in
            if let c = table[name] { return c }
            let c = ManagedAtomic<Int>(0)
            table[name] = c
            return c
        }
    }

    var counts: [(String, Int)] {
        table.withLockedValue { $0.map { ($0.key, $0.value.load(ordering: .relaxed)) } }.sorted { $0.0 < $1.0 }
    }
}
