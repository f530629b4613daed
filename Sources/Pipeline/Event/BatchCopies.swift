import Atomics

/// Counts copy-on-write copies of batches: the debug and benchmark hook that shows batches
/// move between stages instead of being copied behind their backs.
///
/// A batch carries a `BatchIdentity` token. Its mutating methods check that the token is
/// uniquely referenced; when it is not, another holder shares the batch's storage, so this
/// mutation copies the records, fields and arena. That copy is counted on the stage
/// running (`StageContext.metrics.batchCopies`, set by the topology) and in `total`.
public enum BatchCopies {
    /// The counter of the stage running on this task; nil outside a stage.
    @TaskLocal public static var stageCounter: ManagedAtomic<Int>?
    private static let totalCounter = ManagedAtomic<Int>(0)

    /// Copies counted in this process.
    public static var total: Int { totalCounter.load(ordering: .relaxed) }

    static func record() {
        totalCounter.wrappingIncrement(ordering: .relaxed)
        stageCounter?.wrappingIncrement(ordering: .relaxed)
    }
}

/// The token whose reference count mirrors how many holders share one batch's storage.
final class BatchIdentity: Sendable {}

extension BatchIdentity {
    /// Counts a copy when `identity` is shared, and makes it this holder's own.
    @inline(__always)
    static func willMutate(_ identity: inout BatchIdentity) {
        if !isKnownUniquelyReferenced(&identity) {
            identity = BatchIdentity()
            BatchCopies.record()
        }
    }
}
