import Atomics
import NIOConcurrencyHelpers

/// Wakes one parked task when another side has made progress.
///
/// The fast path of `notify()` is one atomic load: a lock is taken only when a task is
/// parked. The waiter publishes itself (`waiting = true`) before re-checking its condition,
/// and the notifier publishes its progress before reading `waiting`; both with sequential
/// consistency, so one of the two always sees the other and no wake-up is lost.
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

    var isWaiting: Bool { waiting.load(ordering: .sequentiallyConsistent) }

    func wake() {
        let parked: CheckedContinuation<Void, Never>? = lock.withLock {
            let c = continuation
            continuation = nil
            waiting.store(false, ordering: .sequentiallyConsistent)
            return c
        }
        parked?.resume()
    }

    /// Parks until `notify()` unless `isReady` already holds after the waiter is published.
    public func wait(until isReady: () -> Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            waiting.store(true, ordering: .sequentiallyConsistent)
            if isReady() {
                waiting.store(false, ordering: .sequentiallyConsistent)
                lock.unlock()
                c.resume()
                return
            }
            continuation = c
            lock.unlock()
        }
    }
}
