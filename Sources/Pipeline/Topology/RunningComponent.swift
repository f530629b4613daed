import Logging

/// One component of the running pipeline: how it was declared, its queues, and its task.
struct RunningComponent: Sendable {
    /// The declaration the running stage was built from (what the next reload compares with).
    var declaration: ComponentDeclaration
    let context: StageContext
    /// The inbound queues (transforms and outputs).
    let inbox: StageInbox?
    /// The outbound edges (inputs and transforms).
    let emitter: Emitter?
    /// Built and not started yet.
    var stage: Stage?
    /// Running, or finished; nil until started.
    var task: Task<Void, Never>?

    var id: String { declaration.id }
    var role: ComponentRole { declaration.role }

    /// Builds the stage of `declaration` (no sockets: see `Stage.prepare`).
    func build(_ declaration: ComponentDeclaration) throws -> Stage {
        do {
            return try declaration.config.makeStage(context)
        } catch {
            throw PipectlError("\(declaration.role.section).\(declaration.id): \(error)")
        }
    }

    /// Starts the built stage as one task; the stage is handed over to it.
    mutating func start() {
        guard let stage = stage.take() else { return }
        let context = self.context, copies = context.metrics.batchCopies
        let inbox = self.inbox, emitter = self.emitter
        switch stage {
        case .output(let output):
            let outputContext = OutputContext(id: id, metrics: context.metrics, logger: context.logger, inbox: inbox!)
            task = Task { await BatchCopies.$stageCounter.withValue(copies) { await StageRunner.run(output, outputContext) } }
        case .transform(let transform):
            task = Task {
                await BatchCopies.$stageCounter.withValue(copies) {
                    await StageRunner.run(transform, inbox: inbox!, lane: emitter!.lane(0), context: context)
                }
                emitter!.close()
            }
        case .input(let input):
            let inputContext = InputContext(id: id, metrics: context.metrics, logger: context.logger, emitter: emitter!)
            task = Task { await BatchCopies.$stageCounter.withValue(copies) { await StageRunner.run(input, inputContext) } }
        }
    }

    /// Consumes the inbox, counting everything as dropped for `reason`: what stands in for an
    /// output whose new stage could not start, so its upstreams are never held up.
    mutating func startDropping(reason: String) {
        guard let inbox else { return }
        let dropped = context.metrics.dropCounter(reason)
        context.metrics.failing.store(true, ordering: .relaxed)
        task = Task {
            while let batch = await inbox.next() {
                dropped.wrappingIncrement(by: batch.count, ordering: .relaxed)
                batch.acknowledge(.dropped)
            }
        }
    }

    /// The admin API's and `internal_metrics`' view of this component.
    var telemetryEntry: PipelineTelemetry.Entry {
        .init(id: id, role: role, type: declaration.type.name, metrics: context.metrics, inbox: inbox,
              upstreams: declaration.upstreams)
    }
}

extension Stage {
    /// Binds sockets and opens what the stage needs before it runs (inputs and outputs).
    func prepare() async throws {
        switch self {
        case .input(let s): try await s.prepare()
        case .output(let s): try await s.prepare()
        case .transform: break
        }
    }
}
