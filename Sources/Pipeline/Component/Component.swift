/// Which section of the pipeline file a component lives in.
public enum ComponentRole: String, Sendable, CaseIterable {
    case input, transform, output

    /// The YAML section name (`inputs`, `transforms`, `outputs`).
    public var section: String { rawValue + "s" }
}

/// What a component emits.
public enum ProducedKind: Sendable, Equatable {
    /// Always this kind.
    case fixed(EventKind)
    /// Any of these kinds (the `opentelemetry` input's default port: logs, metrics and spans).
    case kinds(EventKinds)
    /// Whatever it receives (e.g. `filter`).
    case sameAsInput
    /// Nothing (outputs).
    case none
}

/// A registered component type: its YAML `type:` name and how to read its options.
public struct ComponentType: Sendable {
    /// The `type:` value in the pipeline file.
    public let name: String
    /// The section the type belongs in.
    public let role: ComponentRole
    /// Event kinds it accepts (transforms and outputs).
    public let accepts: EventKinds
    /// Event kinds it emits on its default port.
    public let produces: ProducedKind
    /// What named ports emit where it differs from `produces` (`span_metrics.metrics` emits
    /// metrics); a port not listed emits as the default port does.
    public let portProduces: [String: ProducedKind]
    /// Reads the component's options; problems go to the reader's diagnostics.
    public let decode: @Sendable (ConfigReader) -> any ComponentConfig
    /// True for outputs that can keep undelivered requests on disk (`buffer: {type: disk}`).
    public let supportsDiskBuffer: Bool

    public init(name: String, role: ComponentRole, accepts: EventKinds = [], produces: ProducedKind,
                portProduces: [String: ProducedKind] = [:], supportsDiskBuffer: Bool = false,
                decode: @escaping @Sendable (ConfigReader) -> any ComponentConfig) {
        self.name = name
        self.role = role
        self.accepts = accepts
        self.produces = produces
        self.portProduces = portProduces
        self.supportsDiskBuffer = supportsDiskBuffer
        self.decode = decode
    }
}

/// A component's validated options, able to build the running stage.
public protocol ComponentConfig: Sendable {
    /// Named output ports besides the default one (`regex` routes to `unmatched`).
    var ports: [String] { get }
    /// Producers of an input that emit concurrently (one per event loop); each gets its own
    /// `EmitterLane` and rings. 1 for everything that emits from a single task.
    var producerLanes: Int { get }
    /// Builds the running stage. May open files; binding sockets waits for `prepare()`.
    func makeStage(_ context: StageContext) throws -> Stage
}

extension ComponentConfig {
    public var ports: [String] { [] }
    public var producerLanes: Int { 1 }
}

/// A built stage of one of the three roles.
public enum Stage: Sendable {
    case input(any InputStage)
    case transform(any TransformStage)
    case output(any OutputStage)
}

/// An input: reads from the outside world and emits batches.
public protocol InputStage: Sendable {
    /// Binds sockets and opens what `run` needs; a failure stops start-up cleanly.
    func prepare() async throws
    /// Runs until the input ends or its task is cancelled (shutdown).
    func run(_ context: InputContext) async throws
}

/// A transform: turns batches into batches, synchronously, owning its state.
public protocol TransformStage: Sendable {
    /// How often `tick` runs; nil when the transform keeps no timed state.
    var tickInterval: Duration? { get }
    /// Processes one batch, emitting what it produces into `output`.
    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput)
    /// Emits timed state (closed aggregation windows).
    mutating func tick(now: Int64, into output: inout TransformOutput)
    /// Emits everything still held; called once at shutdown.
    mutating func finish(into output: inout TransformOutput)
}

extension TransformStage {
    public var tickInterval: Duration? { nil }
    public mutating func tick(now: Int64, into output: inout TransformOutput) {}
    public mutating func finish(into output: inout TransformOutput) {}
}

/// An output: drains its inbox to the outside world.
public protocol OutputStage: Sendable {
    /// Binds sockets and opens files; a failure stops start-up cleanly.
    func prepare() async throws
    /// Consumes `context.inbox` until it closes, then flushes and returns.
    func run(_ context: OutputContext) async throws
}

extension InputStage {
    public func prepare() async throws {}
}

extension OutputStage {
    public func prepare() async throws {}
}

/// Batches a transform emitted during one call, by port (0 is the default port).
public struct TransformOutput: Sendable {
    /// The emitted batches and the port each goes to.
    public private(set) var batches: [(port: Int, batch: EventBatch)] = []

    /// Removes and returns the oldest emitted batch, handing over ownership.
    public mutating func takeFirst() -> (port: Int, batch: EventBatch)? {
        batches.isEmpty ? nil : batches.removeFirst()
    }

    public init() { batches.reserveCapacity(4) }

    /// Emits `batch` on the default port (empty batches are skipped).
    public mutating func emit(_ batch: EventBatch) { emit(batch, port: 0) }

    /// Emits `batch` on port `port` (the index in `ComponentConfig.ports`, plus one).
    public mutating func emit(_ batch: EventBatch, port: Int) {
        guard batch.count > 0 else { return }
        batches.append((port, batch))
    }

    /// Gives the batches emitted so far the acknowledgements of the batch they came from
    /// (one hold each), or releases them as delivered when nothing was emitted: the events
    /// were filtered out or folded into state (an aggregate window).
    public mutating func inherit(_ acks: Acknowledgements) {
        guard !acks.isEmpty else { return }
        guard !batches.isEmpty else { return acks.release(.delivered) }
        acks.hold(batches.count - 1)
        for i in batches.indices { batches[i].batch.attach(acks) }
    }

    /// Empties the list, keeping its storage.
    public mutating func removeAll() { batches.removeAll(keepingCapacity: true) }
}
