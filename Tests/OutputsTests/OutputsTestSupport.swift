import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Stages built by the wrapped component types, by component id.
final class BuiltStages: @unchecked Sendable {
    private let lock = NSLock()
    private var stages: [String: Stage] = [:]

    func record(_ id: String, _ stage: Stage) { lock.withLock { stages[id] = stage } }

    func output<T>(_ id: String, as type: T.Type) -> T? {
        lock.withLock {
            guard case .output(let o)? = stages[id] else { return nil }
            return o as? T
        }
    }
}

/// `type` with the same name and options, recording each stage it builds in `built`.
func recording(_ type: ComponentType, into built: BuiltStages) -> ComponentType {
    ComponentType(name: type.name, role: type.role, accepts: type.accepts, produces: type.produces) { reader in
        let config = type.decode(reader)
        return TestStageConfig(ports: config.ports) { context in
            let stage = try config.makeStage(context)
            built.record(context.id, stage)
            return stage
        }
    }
}

/// A pipeline loaded from YAML with the real output types plus PipelineTesting's test types.
final class RunningPipeline: Sendable {
    let components: TestComponents
    let built: BuiltStages
    let topology: Topology
    let task: Task<Void, Never>

    /// Loads `yaml`, lets `setUp` provide stages, builds, prepares and starts the topology.
    init(_ yaml: String, setUp: (TestComponents) -> Void = { _ in }) async throws {
        let components = TestComponents()
        setUp(components)
        let built = BuiltStages()
        let registry = ComponentRegistry(components.registry.types + [
            BlackholeOutputConfig.componentType,
            FileOutputConfig.componentType,
            PrometheusExporterOutputConfig.componentType,
            StdoutOutputConfig.componentType,
        ].map { recording($0, into: built) })
        let outcome = ConfigLoader.load(text: yaml, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        self.components = components
        self.built = built
        self.topology = topology
        self.task = Task { await topology.run() }
    }

    func metrics(_ id: String) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == id }!.metrics
    }

    func stop(timeout: Double = 10) async throws {
        topology.shutdown()
        try await finished(timeout: timeout)
    }

    func finished(timeout: Double = 10) async throws {
        let task = self.task
        try await withTimeout(seconds: timeout) { await task.value }
    }
}

/// An input that emits the batches yielded to `feed`, and stays open until shutdown.
struct FeedInput: InputStage {
    let stream: AsyncStream<EventBatch>
    let feed: AsyncStream<EventBatch>.Continuation

    init() { (stream, feed) = AsyncStream.makeStream() }

    func run(_ context: InputContext) async throws {
        for await batch in stream {
            context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            await context.emit(batch)
        }
    }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipectl-outputs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A minimal HTTP/1.1 client over a raw socket: one GET with `Connection: close`.
enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func get(port: Int, path: String, timeoutSeconds: Int = 5) throws -> Response {
        let r = try HTTPTestClient.request(port: port, path, timeoutSeconds: timeoutSeconds)
        return Response(status: r.status, headers: Dictionary(r.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 }),
                        body: r.body)
    }
}
