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
                let slots = max(4, min(256, c.buffer.maxEvents / 256))
                inboxes[c.id] = StageInbox(slots: slots, maxEvents: c.buffer.maxEvents)
            }
        }
        var ports: [String: [[Edge]]] = [:]
        for c in config.components where c.role != .output {
            ports[c.id] = Array(repeating: [], count: 1 + c.config.ports.count)
        }
        for c in config.components where c.role != .input {
            for ref in c.upstreams {
                guard let upstream = config.component(ref.id) else { continue }
                let port = ref.port.flatMap { upstream.config.ports.firstIndex(of: $0).map { $0 + 1 } } ?? 0
                let edge = Edge(ring: inboxes[c.id]!.makeRing(), downstream: c.id,
                                dropWhenFull: c.buffer.whenFull == .dropNewest,
                                downstreamMetrics: metrics[c.id]!, logger: logger)
                ports[ref.id]![port].append(edge)
            }
        }
        var emitters: [String: Emitter] = [:]
        var stages: [(ComponentDeclaration, Stage, StageContext)] = []
        for c in config.components {
            var componentLogger = logger
            componentLogger[metadataKey: "component"] = "\(c.id)"
            let context = StageContext(id: c.id, dataDirectory: config.dataDirectory, metrics: metrics[c.id]!,
                                       logger: componentLogger, telemetry: telemetry)
            if let p = ports[c.id] { emitters[c.id] = Emitter(ports: p, metrics: metrics[c.id]!) }
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
    }

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

    /// Runs every stage until all have finished, or until `shutdown_timeout` after `shutdown()`.
    public func run() async {
        // A `shutdown()` before `run()` must not be overwritten: the inputs are cancelled below.
        _ = stateValue.compareExchange(expected: State.built.rawValue, desired: State.running.rawValue, ordering: .relaxed)
        var tasks: [Task<Void, Never>] = []
        var inputs: [Task<Void, Never>] = []
        for (c, stage, context) in stages {
            switch stage {
            case .output(let output):
                let outputContext = OutputContext(id: c.id, metrics: context.metrics, logger: context.logger, inbox: inboxes[c.id]!)
                tasks.append(Task { await Self.runOutput(output, outputContext) })
            case .transform(let transform):
                let inbox = inboxes[c.id]!, emitter = emitters[c.id]!
                tasks.append(Task { await Self.runTransform(transform, inbox: inbox, emitter: emitter, context: context) })
            case .input(let input):
                let inputContext = InputContext(id: c.id, metrics: context.metrics, logger: context.logger, emitter: emitters[c.id]!)
                let task = Task { await Self.runInput(input, inputContext) }
                inputs.append(task)
                tasks.append(task)
            }
        }
        inputTasks.withLockedValue { $0 = inputs }
        if stateValue.load(ordering: .relaxed) == State.stopping.rawValue { inputs.forEach { $0.cancel() } }
        let all = tasks
        let timeout = config.shutdownTimeout
        let requests = shutdownRequests
        let logger = self.logger
        let inboxes = self.inboxes
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for t in all { await t.value } }
            group.addTask {
                var iterator = requests.makeAsyncIterator()
                guard await iterator.next() != nil else { return }
                try? await Task.sleep(for: timeout)
                if Task.isCancelled { return }
                let left = inboxes.values.reduce(0) { $0 + $1.eventCount }
                logger.warning("shutdown_timeout (\(timeout.formatted)) reached: \(left) events still queued were not delivered")
                // Cancelling the group reaches only its own children: stop the stages themselves,
                // so an output still retrying gives up (and counts what it drops) now.
                for t in all { t.cancel() }
            }
            await group.next()
            group.cancelAll()
        }
        stateValue.store(State.stopped.rawValue, ordering: .relaxed)
    }

    /// Stops the inputs; the rest of the pipeline drains behind them.
    public func shutdown() {
        let previous = stateValue.exchange(State.stopping.rawValue, ordering: .relaxed)
        guard previous != State.stopping.rawValue, previous != State.stopped.rawValue else { return }
        logger.info("shutting down: inputs stop, transforms flush, outputs drain (up to \(config.shutdownTimeout.formatted))")
        inputTasks.withLockedValue { $0 }.forEach { $0.cancel() }
        shutdownContinuation.yield()
    }

    private static func runInput(_ input: any InputStage, _ context: InputContext) async {
        do {
            try await input.run(context)
        } catch is CancellationError {
        } catch {
            context.metrics.errorCounter("fatal").wrappingIncrement(ordering: .relaxed)
            context.logger.error("input stopped: \(error)")
        }
        context.emitter.close()
    }

    private static func runTransform(_ transform: any TransformStage, inbox: StageInbox, emitter: Emitter,
                                     context: StageContext) async {
        var stage = transform
        var output = TransformOutput()
        let interval = stage.tickInterval
        var nextTick = interval.map { ContinuousClock.now + $0 }
        func send() async {
            for (port, batch) in output.batches { await emitter.emit(batch, port: port) }
            output.removeAll()
        }
        loop: while true {
            switch await inbox.next(deadline: nextTick) {
            case .batch(let batch):
                context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
                context.metrics.receivedBytes.wrappingIncrement(by: batch.byteCount, ordering: .relaxed)
                stage.process(batch, into: &output)
                // Under steady load a batch is always ready; the tick must not starve behind it.
                if let interval, let due = nextTick, ContinuousClock.now >= due {
                    stage.tick(now: WallClock.nanoseconds(), into: &output)
                    nextTick = ContinuousClock.now + interval
                }
            case .timeout:
                stage.tick(now: WallClock.nanoseconds(), into: &output)
                if let interval { nextTick = ContinuousClock.now + interval }
            case .closed:
                stage.finish(into: &output)
                await send()
                break loop
            }
            await send()
        }
        emitter.close()
    }

    private static func runOutput(_ output: any OutputStage, _ context: OutputContext) async {
        do {
            try await output.run(context)
        } catch is CancellationError {
        } catch {
            context.metrics.errorCounter("fatal").wrappingIncrement(ordering: .relaxed)
            context.metrics.failing.store(true, ordering: .relaxed)
            context.logger.error("output stopped: \(error); its inputs are drained and counted as dropped")
            let dropped = context.metrics.dropCounter("output_stopped")
            while let batch = await context.inbox.next() {
                dropped.wrappingIncrement(by: batch.count, ordering: .relaxed)
            }
        }
    }
}
