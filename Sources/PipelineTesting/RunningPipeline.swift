import Logging
import Pipeline

/// A pipeline loaded from YAML with the given component types plus `TestComponents`' types,
/// running in a task until `stop()` (or until its inputs end).
public final class RunningPipeline: Sendable {
    public let components: TestComponents
    public let topology: Topology
    public let task: Task<Void, Never>

    /// Loads `yaml`, lets `setUp` provide stages, builds and prepares the topology, and runs it.
    /// Stages built from `types` are recorded: see `output(_:as:)`.
    public init(_ yaml: String, types: [ComponentType], setUp: (TestComponents) -> Void = { _ in }) async throws {
        let components = TestComponents()
        setUp(components)
        let registry = ComponentRegistry(components.registry.types + types.map(components.recording))
        let outcome = ConfigLoader.load(text: yaml, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        self.components = components
        self.topology = topology
        self.task = Task { await topology.run() }
    }

    /// The capturing output called `id`.
    public func capture(_ id: String = "out") -> CapturingOutput {
        guard let c = components.capture(id) else { preconditionFailure("BUG: no capture output '\(id)'") }
        return c
    }

    /// The output stage built for component `id`, as `T`.
    public func output<T>(_ id: String, as _: T.Type) -> T? {
        guard case .output(let o)? = components.stage(id) else { return nil }
        return o as? T
    }

    /// The counters of component `id`.
    public func metrics(_ id: String) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == id }!.metrics
    }

    /// Asks the pipeline to stop and waits (bounded) until it has.
    public func stop(timeout: Double = 10) async throws {
        topology.shutdown()
        try await finished(timeout: timeout)
    }

    /// Waits (bounded) until the pipeline has stopped by itself.
    public func finished(timeout: Double = 10) async throws {
        let task = self.task
        try await withTimeout(seconds: timeout) { await task.value }
    }
}
