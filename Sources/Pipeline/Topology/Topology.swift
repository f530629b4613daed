import Atomics
import Logging
import NIOConcurrencyHelpers

/// The running pipeline: one stage per component, a bounded ring per edge.
///
/// Lifecycle: `build` (stages and queues, no I/O beyond opening files) → `prepare` (bind
/// sockets; on failure everything prepared is released) → `run` (one task per stage) →
/// `shutdown` (inputs stop; transforms flush as their inboxes close; outputs drain until
/// `shutdown_timeout`).
public final class Topology: Sendable {
    public enum State: Int, Sendable { case built, running, stopping, stopped }

    /// What runs now; replaced piecewise by `reload(to:)`.
    struct Graph {
        var config: PipelineConfig
        /// By id, the components of `config`.
        var components: [String: RunningComponent]
        /// Every stage task ever started (a reload's old stages drain while the new run).
        var tasks: [Task<Void, Never>] = []
        /// Set once `run` has seen every task end: a reload can no longer start stages.
        var finished = false
    }

    public let telemetry: PipelineTelemetry
    let logger: Logger
    let graph: NIOLockedValueBox<Graph>
    let taps: NIOLockedValueBox<[String: TapPoint]>
    let stateValue = ManagedAtomic<Int>(State.built.rawValue)
    let reloading = ManagedAtomic<Bool>(false)
    private let shutdownRequests: AsyncStream<Void>
    private let shutdownContinuation: AsyncStream<Void>.Continuation

    /// Builds every stage and queue of `config`.
    public init(config: PipelineConfig, logger: Logger, startTime: Double = Double(WallClock.nanoseconds()) / 1e9) throws {
        self.logger = logger
        let telemetry = PipelineTelemetry(startTime: startTime)
        self.telemetry = telemetry
        (shutdownRequests, shutdownContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

        var metrics: [String: ComponentMetrics] = [:]
        var inboxes: [String: StageInbox] = [:]
        for c in config.components {
            metrics[c.id] = ComponentMetrics(id: c.id)
            if c.role != .input { inboxes[c.id] = TopologyWiring.inbox(c) }
        }
        let wiring = TopologyWiring(config: config, logger: logger, metrics: metrics, inboxes: inboxes)
        let ports = wiring.edges()
        var taps: [String: TapPoint] = [:]
        var components: [String: RunningComponent] = [:]
        for c in config.components {
            var emitter: Emitter?
            if let lanes = ports[c.id] {
                let tap = TapPoint(componentID: c.id)
                taps[c.id] = tap
                emitter = Emitter(lanes: lanes.map { EmitterLane(ports: $0, metrics: metrics[c.id]!, tap: tap) })
            }
            var component = RunningComponent(declaration: c, context: wiring.context(c, telemetry: telemetry),
                                             inbox: inboxes[c.id], emitter: emitter)
            telemetry.add(component.telemetryEntry)
            component.stage = try component.build(c)
            components[c.id] = component
        }
        graph = NIOLockedValueBox(Graph(config: config, components: components))
        self.taps = NIOLockedValueBox(taps)
    }

    /// The pipeline file now running (the last one a reload applied).
    public var config: PipelineConfig { graph.withLockedValue { $0.config } }

    /// The lifecycle state.
    public var state: State { State(rawValue: stateValue.load(ordering: .relaxed))! }

    /// True while running with no output failing (the admin API's `/readyz`).
    public var readiness: (ready: Bool, reason: String) {
        guard state == .running else { return (false, "pipeline is \(state)") }
        let failing = telemetry.entries.filter { $0.role == .output && $0.metrics.failing.load(ordering: .relaxed) }
        if !failing.isEmpty { return (false, "outputs failing: \(failing.map(\.id).joined(separator: ", "))") }
        return (true, "ready")
    }

    /// Where the events `id` sends downstream can be watched; nil for an output or an unknown id.
    public func tapPoint(_ id: String) -> TapPoint? { taps.withLockedValue { $0[id] } }

    /// Binds sockets and opens resources of every stage; throws the first failure.
    public func prepare() async throws {
        let config = self.config
        let stages = graph.withLockedValue { g in config.components.compactMap { c in g.components[c.id]?.stage.map { (c, $0) } } }
        for (c, stage) in stages {
            do {
                try await stage.prepare()
            } catch {
                throw PipectlError("\(c.role.section).\(c.id): \(error)")
            }
        }
    }

    /// Runs every stage until all have finished, or until `shutdown_timeout` after
    /// `shutdown()`: then every stage is cancelled, what is still queued is counted as
    /// `dropped{reason="shutdown"}`, and `run` returns even if a stage ignores cancellation.
    public func run() async {
        // A `shutdown()` before `run()` must not be overwritten: the inputs are cancelled below.
        _ = stateValue.compareExchange(expected: State.built.rawValue, desired: State.running.rawValue, ordering: .relaxed)
        graph.withLockedValue { g in
            for id in g.config.components.map(\.id) {
                g.components[id]!.start()
                g.tasks.append(g.components[id]!.task!)
            }
        }
        if stateValue.load(ordering: .relaxed) == State.stopping.rawValue { cancelInputs() }
        let timedOut = await waitForStages(timeout: config.shutdownTimeout) { [graph] in
            // Parked producers wake and count their batch; stages see their cancellation.
            let (inboxes, tasks) = graph.withLockedValue { g in (g.components.values.compactMap(\.inbox), g.tasks) }
            for inbox in inboxes { inbox.budget.abandon() }
            for t in tasks { t.cancel() }
        }
        if timedOut { countWhatWasLeft() }
        stateValue.store(State.stopped.rawValue, ordering: .relaxed)
    }

    /// Waits until every stage task (those a reload starts too) has ended, or for `timeout`
    /// after the first shutdown request; then calls `giveUp` and waits at most `abandonAfter`
    /// more. True when the timeout was reached.
    private func waitForStages(timeout: Duration, abandonAfter: Duration = .seconds(1),
                               giveUp: @escaping @Sendable () -> Void) async -> Bool {
        // Awaiting a task's value ignores cancellation, so the waiter sits outside the group
        // and reports through a stream the group can stop listening to.
        let (finished, done) = AsyncStream<Void>.makeStream()
        let shutdownRequests = self.shutdownRequests
        Task { [graph] in
            var awaited = 0
            while true {
                let tasks = graph.withLockedValue { g -> [Task<Void, Never>] in
                    if g.tasks.count == awaited { g.finished = true }
                    return Array(g.tasks[awaited...])
                }
                if tasks.isEmpty { break }
                for t in tasks { await t.value }
                awaited += tasks.count
            }
            done.finish()
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { for await _ in finished {}; return false }
            group.addTask {
                var iterator = shutdownRequests.makeAsyncIterator()
                guard await iterator.next() != nil else { return false }
                do { try await Task.sleep(for: timeout) } catch { return false }
                // Cancelling the group reaches only its own children: stop the stages themselves,
                // so outputs still retrying give up and count.
                giveUp()
                try? await Task.sleep(for: abandonAfter)
                return true
            }
            let first = await group.next() ?? false
            group.cancelAll()
            var timedOut = first
            while let more = await group.next() { timedOut = timedOut || more }
            return timedOut
        }
    }

    /// Counts the events still queued in every inbox as dropped at shutdown, and logs one line
    /// with every component's shutdown drops (queued here, or in flight and counted by the stage).
    private func countWhatWasLeft() {
        for entry in telemetry.entries {
            guard let inbox = entry.inbox, case let left = inbox.eventCount, left > 0 else { continue }
            entry.metrics.dropCounter("shutdown").wrappingIncrement(by: left, ordering: .relaxed)
        }
        let dropped = telemetry.entries.compactMap { entry -> String? in
            guard let n = entry.metrics.dropCounts.first(where: { $0.0 == "shutdown" })?.1, n > 0 else { return nil }
            return "\(entry.id) \(n)"
        }
        logger.warning("shutdown_timeout (\(config.shutdownTimeout.formatted)) reached; events dropped at shutdown: \(dropped.isEmpty ? "none" : dropped.joined(separator: ", "))")
    }

    private func cancelInputs() {
        graph.withLockedValue { g in g.components.values.filter { $0.role == .input }.compactMap(\.task) }.forEach { $0.cancel() }
    }

    /// Stops the inputs; the rest of the pipeline drains behind them. Returns false when a
    /// shutdown was already under way (a second SIGTERM exits at once).
    @discardableResult
    public func shutdown() -> Bool {
        let previous = stateValue.exchange(State.stopping.rawValue, ordering: .relaxed)
        guard previous != State.stopping.rawValue, previous != State.stopped.rawValue else { return false }
        logger.info("shutting down: inputs stop, transforms flush, outputs drain (up to \(config.shutdownTimeout.formatted))")
        cancelInputs()
        shutdownContinuation.yield()
        return true
    }
}
