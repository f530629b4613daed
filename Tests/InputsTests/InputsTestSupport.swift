import Foundation
import Logging
@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// A pipeline loaded from YAML with the real input types plus PipelineTesting's test types,
/// running in a task until `stop()` (or until its inputs end).
final class RunningPipeline: Sendable {
    let components: TestComponents
    let topology: Topology
    let task: Task<Void, Never>

    /// Loads `yaml`, builds and prepares the topology, and starts running it.
    init(_ yaml: String, setUp: (TestComponents) -> Void = { _ in }) async throws {
        let components = TestComponents()
        setUp(components)
        let registry = ComponentRegistry(components.registry.types + [
            DemoInputConfig.componentType,
            FileInputConfig.componentType,
            InternalMetricsInputConfig.componentType,
            StdinInputConfig.componentType,
        ])
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
    func capture(_ id: String = "out") -> CapturingOutput {
        guard let c = components.capture(id) else { fatalError("no capture output '\(id)'") }
        return c
    }

    /// The counters of component `id`.
    func metrics(_ id: String) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == id }!.metrics
    }

    /// Asks the pipeline to stop and waits (bounded) until it has.
    func stop(timeout: Double = 10) async throws {
        topology.shutdown()
        try await finished(timeout: timeout)
    }

    /// Waits (bounded) until the pipeline has stopped by itself.
    func finished(timeout: Double = 10) async throws {
        let task = self.task
        try await withTimeout(seconds: timeout) { await task.value }
    }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipectl-inputs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Appends `text` to the file at `path`, creating it if needed.
func append(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard fd >= 0 else { throw PipectlError("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw PipectlError("short write to \(path)") }
}

/// `count` numbered lines `prefix-<n>` starting at `first`, each ending in a newline.
func numberedLines(_ prefix: String, _ range: Range<Int>) -> String {
    range.map { "\(prefix)-\($0)\n" }.joined()
}

extension LogBatch {
    /// Every message, in order.
    var messages: [String] { (0..<count).map { message($0) } }

    /// The string value of a bytes field, if present.
    func stringField(_ index: Int, _ key: KnownField) -> String? {
        guard case .bytes(let span)? = field(index, key) else { return nil }
        return string(span)
    }
}
