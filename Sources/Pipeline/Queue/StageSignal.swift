import Atomics
import NIOConcurrencyHelpers

/// Wakes one parked task when another side has made progress, or when the task is cancelled.
///
/// The fast path of `notify()` is one atomic load: a lock is taken only when a task is
/// parked. The waiter publishes itself (`waiting = true`) before re-checking its condition,
/// and the notifier publishes its progress before reading `waiting`; both with sequential
/// consistency, so one of the two always sees the other and no wake-up is lost. A
/// cancelled consumer never stays parked: shutdown relies on that to end stuck stages.
public final class StageSignal: @unchecked Sendable {
    private let lock = NIOLock()
    private let waiting = ManagedAtomic<Bool>(false)
    private var continuation: CheckedContinuation<Void, Never>?

    public init() {}

    /// Wakes the parked task, if any.
    public func notify() {
        guard isWaiting else { return }
        wake()
    }

    /// True while a task is parked (or about to park).
    var isWaiting: Bool { waiting.load(ordering: .sequentiallyConsistent) }

    private func wake() {
        let parked: CheckedContinuation<Void, Never>? = lock.withLock {
            let c = continuation
            continuation = nil
            waiting.store(false, ordering: .sequentiallyConsistent)
            return c
        }
        parked?.resume()
    }

    /// Parks until `notify()` or (when `cancellable`) cancellation, unless `isReady` already
    /// holds after the waiter is published. Callers re-check their condition after.
    public func wait(cancellable: Bool = true, until isReady: () -> Bool) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                lock.lock()
                waiting.store(true, ordering: .sequentiallyConsistent)
                // The cancellation flag is set before the handler runs, and both sides hold
                // the lock, so a cancel either is seen here or finds the continuation stored.
                if isReady() || (cancellable && Task.isCancelled) {
                    waiting.store(false, ordering: .sequentiallyConsistent)
                    lock.unlock()
                    c.resume()
                    return
                }
                continuation = c
                lock.unlock()
            }
        } onCancel: {
            if cancellable { wake() }
        }
    }
}
