import NIOConcurrencyHelpers

/// Runs deliveries in `count` lanes: lanes work in parallel, each lane one job at a time,
/// in the order submitted.
///
/// An output keys its lanes by what must stay in order (a remote-write series, a Loki
/// stream), so ordering holds per key while `concurrency` requests are in flight. One
/// task submits; `submit` waits for the lane's previous job, which is how a slow
/// receiver pushes back on the output's inbox.
package final class DeliveryLanes: Sendable {
    private let tasks: NIOLockedValueBox<[Task<Void, Never>?]>
    private let cancelled = NIOLockedValueBox(false)

    /// Lanes `0..<count`.
    package init(count: Int) {
        precondition(count > 0, "BUG: DeliveryLanes needs at least one lane")
        tasks = NIOLockedValueBox(Array(repeating: nil, count: count))
    }

    /// Number of lanes.
    package var count: Int { tasks.withLockedValue { $0.count } }

    /// Waits until `lane` is free, then starts `job` there and returns.
    package func submit(lane: Int, _ job: @escaping @Sendable () async -> Void) async {
        await tasks.withLockedValue { $0[lane] }?.value
        let task = Task { await job() }
        tasks.withLockedValue { $0[lane] = task }
        // `cancelAll` may have run between the wait and the store.
        if cancelled.withLockedValue({ $0 }) { task.cancel() }
    }

    /// Waits until every lane is idle.
    package func waitAll() async {
        for task in tasks.withLockedValue({ $0 }) { await task?.value }
    }

    /// Cancels every running job and every job submitted later (the output's task was cancelled).
    package func cancelAll() {
        cancelled.withLockedValue { $0 = true }
        for task in tasks.withLockedValue({ $0 }) { task?.cancel() }
    }
}
