import NIOConcurrencyHelpers
@testable import Outputs
import PipelineTesting
import XCTest

final class DeliveryLanesTests: XCTestCase {
    /// A job that waits until the test opens its gate, recording when it starts and ends.
    private final class Gates: Sendable {
        private let state = NIOLockedValueBox<(open: Set<Int>, log: [String])>(([], []))

        func open(_ id: Int) { state.withLockedValue { _ = $0.open.insert(id) } }
        var log: [String] { state.withLockedValue { $0.log } }

        func job(_ id: Int) -> @Sendable () async -> Void {
            { [self] in
                state.withLockedValue { $0.log.append("start \(id)") }
                while !state.withLockedValue({ $0.open.contains(id) }) {
                    if Task.isCancelled {
                        state.withLockedValue { $0.log.append("cancel \(id)") }
                        return
                    }
                    await Task.yield()
                }
                state.withLockedValue { $0.log.append("end \(id)") }
            }
        }
    }

    func testOneJobAtATimePerLaneInOrderAndLanesInParallel() async throws {
        let lanes = DeliveryLanes(count: 2)
        let gates = Gates()
        await lanes.submit(lane: 0, gates.job(1))
        await lanes.submit(lane: 1, gates.job(2))
        try await eventually { gates.log.contains("start 1") && gates.log.contains("start 2") }
        let third = Task { await lanes.submit(lane: 0, gates.job(3)) }
        gates.open(2)
        try await eventually { gates.log.contains("end 2") }
        XCTAssertFalse(gates.log.contains("start 3"), "lane 0 is busy with job 1; lane 1's progress does not matter")
        gates.open(1)
        gates.open(3)
        await third.value
        await lanes.waitAll()
        XCTAssertEqual(gates.log.filter { $0.hasSuffix("1") || $0.hasSuffix("3") }, ["start 1", "end 1", "start 3", "end 3"])
    }

    func testCancelAllCancelsRunningAndLaterJobs() async throws {
        let lanes = DeliveryLanes(count: 1)
        let gates = Gates()
        await lanes.submit(lane: 0, gates.job(1))
        try await eventually { gates.log.contains("start 1") }
        lanes.cancelAll()
        await lanes.submit(lane: 0, gates.job(2))
        await lanes.waitAll()
        XCTAssertEqual(gates.log, ["start 1", "cancel 1", "start 2", "cancel 2"])
    }
}
