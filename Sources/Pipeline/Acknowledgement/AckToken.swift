import Atomics

/// What became of the events an input is waiting on.
public enum AckStatus: Sendable, Equatable {
    /// Every stage that received them kept them: delivered, in an output's buffer, folded
    /// into an aggregate, filtered out on purpose, or written to a dead-letter file.
    case delivered
    /// At least one stage lost them (a full `drop_newest` buffer, shutdown).
    case dropped
}

/// One unit an input with `acknowledgements: true` waits on (a drain request): it completes
/// once every stage holding its events has let go of them.
///
/// A token starts with one holder, the batch the input emits. Fan-out adds a holder per
/// extra edge; each stage releases its hold when the events are safe or lost. The first
/// `.dropped` makes the outcome `.dropped`; `onComplete` runs once, on the thread of the
/// last release.
public final class AckToken: Sendable {
    private let holders = ManagedAtomic<Int>(1)
    private let lost = ManagedAtomic<Bool>(false)
    private let onComplete: @Sendable (AckStatus) -> Void

    public init(onComplete: @escaping @Sendable (AckStatus) -> Void) {
        self.onComplete = onComplete
    }

    /// Adds `extra` holders (before handing the events to more stages).
    public func hold(_ extra: Int) {
        guard extra > 0 else { return }
        holders.wrappingIncrement(by: extra, ordering: .acquiringAndReleasing)
    }

    /// Lets go of one hold with `status`.
    public func release(_ status: AckStatus) {
        if status == .dropped { lost.store(true, ordering: .releasing) }
        let left = holders.wrappingDecrementThenLoad(ordering: .acquiringAndReleasing)
        if left == 0 {
            onComplete(lost.load(ordering: .acquiring) ? .dropped : .delivered)
        } else if left < 0 {
            preconditionFailure("BUG: an acknowledgement token was released more often than held")
        }
    }
}
