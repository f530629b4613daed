import Atomics
import Pipeline
import PipelineTesting
import XCTest

/// At `shutdown_timeout` the stages themselves are cancelled, not only awaited no longer.
final class ShutdownTimeoutTests: XCTestCase {
    /// An output that never finishes on its own (say, retrying an unreachable server).
    private struct RetryingForeverOutput: OutputStage {
        let cancelled: ManagedAtomic<Bool>

        func run(_ context: OutputContext) async throws {
            do {
                while true { try await Task.sleep(for: .seconds(3600)) }
            } catch {
                cancelled.store(true, ordering: .relaxed)
            }
        }
    }

    func testAnOutputStillBusyAtTheTimeoutIsCancelled() async throws {
        let cancelled = ManagedAtomic(false)
        let components = TestComponents()
        components.provide("out", .output(RetryingForeverOutput(cancelled: cancelled)))
        let topology = try components.topology("""
        shutdown_timeout: 200ms
        inputs:
          gen: {type: sequence, count: 10}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        let run = Task { await topology.run() }
        topology.shutdown()
        try await withTimeout(seconds: 10) { await run.value }
        try await eventually(timeout: 5, "the output saw its cancellation") { cancelled.load(ordering: .relaxed) }
    }
}
