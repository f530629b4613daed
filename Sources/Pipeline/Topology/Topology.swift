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

    public let config: PipelineConfig
    public let telemetry: PipelineTelemetry
    private let logger: Logger
    private let stages: [(ComponentDeclaration, Stage, StageContext)]
    private let emitters: [String: Emitter]
    private let inboxes: [String: StageInbox]
    private let stateValue = ManagedAtomic<Int>(State.built.rawValue)
    private let shutdownRequests: AsyncStream<Void>
    private let shutdownContinuation: AsyncStream<Void>.Continuation
    private let inputTasks = NIOLockedValueBox<[Task<Void, Never>]>([])
    private let taps: [String: TapPoint]

    /// Builds every stage and queue of `config`.
    public init(config: PipelineConfig, logger: Logger, startTime: Double = Double(WallClock.nanoseconds()) / 1e9) throws {
        self.config = config
        self.logger = logger
        let telemetry = PipelineTelemetry(startTime: startTime)
        self.telemetry = telemetry
        (shutdownRequests, shutdownContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

        var metrics: [String: ComponentMetrics] = [:]
        var inboxes: [String: StageInbox] = [:]
        for c in config.components {
            metrics[c.id] = ComponentMetrics(id: c.id)
            if c.role != .input {
                inboxes[c.id] = StageInbox(maxEvents: c.buffer.maxEvents, maxBytes: c.buffer.maxBytes)
            }
        }
        // ports[id][lane][port]: every producer lane has its own ring into each downstream.
        var ports: [String: [[[Edge]]]] = [:]
        for c in config.components where c.role != .output {
            let lanes = c.role == .input ? max(1, c.config.producerLanes) : 1
            ports[c.id] = Array(repeating: Array(repeating: [], count: 1 + c.config.ports.count), count: lanes)
        }
        for c in config.components where c.role != .input {
            for ref in c.upstreams {
                guard let upstream = config.component(ref.id) else { continue }
                let port = ref.port.flatMap { upstream.config.ports.firstIndex(of: $0).map { $0 + 1 } } ?? 0
                for lane in ports[ref.id]!.indices {
                    let edge = Edge(ring: inboxes[c.id]!.makeRing(), downstream: c.id,
                                    dropWhenFull: c.buffer.whenFull == .dropNewest,
                                    downstreamMetrics: metrics[c.id]!, logger: logger)
                    ports[ref.id]![lane][port].append(edge)
                }
            }
        }
        var emitters: [String: Emitter] = [:]
        var taps: [String: TapPoint] = [:]
        var stages: [(ComponentDeclaration, Stage, StageContext)] = []
        for c in config.components {
            var componentLogger = logger
            componentLogger[metadataKey: "component"] = "\(c.id)"
            let context = StageContext(id: c.id, dataDirectory: config.dataDirectory, metrics: metrics[c.id]!,
                                       logger: componentLogger, telemetry: telemetry, buffer: c.buffer)
            if let lanes = ports[c.id] {
                let tap = TapPoint(componentID: c.id)
                taps[c.id] = tap
                emitters[c.id] = Emitter(lanes: lanes.map { EmitterLane(ports: $0, metrics: metrics[c.id]!, tap: tap) })
            }
            telemetry.add(.init(id: c.id, role: c.role, type: c.type.name, metrics: metrics[c.id]!,
                                inbox: inboxes[c.id], upstreams: c.upstreams))
            do {
                stages.append((c, try c.config.makeStage(context), context))
            } catch {
                throw PipectlError("\(c.role.section).\(c.id): \(error)")
            }
        }
        self.stages = stages
        self.emitters = emitters
        self.inboxes = inboxes
        self.taps = taps
    }

    /// Where the events `id` sends downstream can be watched; nil for an output or an unknown id.
    public func tapPoint(_ id: String) -> TapPoint? { taps[id] }

    /// The lifecycle state.
    public var state: State { State(rawValue: stateValue.load(ordering: .relaxed))! }

    /// True while running with no output failing (the admin API's `/readyz`).
    public var readiness: (ready: Bool, reason: String) {
        guard state == .running else { return (false, "pipeline is \(state)") }
        let failing = telemetry.entries.filter { $0.role == .output && $0.metrics.failing.load(ordering: .relaxed) }
        if !failing.isEmpty { return (false, "outputs failing: \(failing.map(\.id).joined(separator: ", "))") }
        return (true, "ready")
    }

    /// Binds sockets and opens resources of every stage; throws the first failure.
    public func prepare() async throws {
        for (c, stage, _) in stages {
            do {
                switch stage {
                case .input(let s): try await s.prepare()
                case .output(let s): try await s.prepare()
                case .transform: break
                }
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
        var tasks: [Task<Void, Never>] = []
        var inputs: [Task<Void, Never>] = []
        for (c, stage, context) in stages {
            let copies = context.metrics.batchCopies
            switch stage {
            case .output(let output):
                let outputContext = OutputContext(id: c.id, metrics: context.metrics, logger: context.logger, inbox: inboxes[c.id]!)
                tasks.append(Task { await BatchCopies.$stageCounter.withValue(copies) { await StageRunner.run(output, outputContext) } })
            case .transform(let transform):
                let inbox = inboxes[c.id]!, lane = emitters[c.id]!.lane(0), emitter = emitters[c.id]!
                tasks.append(Task {
                    await BatchCopies.$stageCounter.withValue(copies) {
                        await StageRunner.run(transform, inbox: inbox, lane: lane, context: context)
                    }
                    emitter.close()
                })
            case .input(let input):
                let inputContext = InputContext(id: c.id, metrics: context.metrics, logger: context.logger, emitter: emitters[c.id]!)
                let task = Task { await BatchCopies.$stageCounter.withValue(copies) { await StageRunner.run(input, inputContext) } }
                inputs.append(task)
                tasks.append(task)
            }
        }
        inputTasks.withLockedValue { $0 = inputs }
        if stateValue.load(ordering: .relaxed) == State.stopping.rawValue { inputs.forEach { $0.cancel() } }
        let budgets = inboxes.values.map(\.budget), all = tasks
        let timedOut = await Self.wait(for: all, shutdownRequests: shutdownRequests, timeout: config.shutdownTimeout) {
            // Parked producers wake and count their batch; stages see their cancellation.
            for budget in budgets { budget.abandon() }
            for t in all { t.cancel() }
        }
        if timedOut { countWhatWasLeft() }
        stateValue.store(State.stopped.rawValue, ordering: .relaxed)
    }

    /// Waits for every task, or for `timeout` after the first shutdown request; then calls
    /// `giveUp` and waits at most `abandonAfter` more. True when the timeout was reached.
    private static func wait(for tasks: [Task<Void, Never>], shutdownRequests: AsyncStream<Void>,
                             timeout: Duration, abandonAfter: Duration = .seconds(1),
                             giveUp: @escaping @Sendable () -> Void) async -> Bool {
        // Awaiting a task's value ignores cancellation, so the waiter sits outside the group
        // and reports through a stream the group can stop listening to.
        let (finished, done) = AsyncStream<Void>.makeStream()
        Task { for t in tasks { await t.value }; done.finish() }
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

    /// Stops the inputs; the rest of the pipeline drains behind them. Returns false when a
    /// shutdown was already under way (a second SIGTERM exits at once).
    @discardableResult
    public func shutdown() -> Bool {
        let previous = stateValue.exchange(State.stopping.rawValue, ordering: .relaxed)
        guard previous != State.stopping.rawValue, previous != State.stopped.rawValue else { return false }
        logger.info("shutting down: inputs stop, transforms flush, outputs drain (up to \(config.shutdownTimeout.formatted))")
        inputTasks.withLockedValue { $0 }.forEach { $0.cancel() }
        shutdownContinuation.yield()
        return true
    }
}
