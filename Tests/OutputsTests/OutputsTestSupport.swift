import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

extension RunningPipeline {
    /// A running pipeline with the real output types, their stages recorded.
    convenience init(_ yaml: String, setUp: (TestComponents) -> Void = { _ in }) async throws {
        try await self.init(yaml, types: [
            BlackholeOutputConfig.componentType,
            FileOutputConfig.componentType,
            PrometheusExporterOutputConfig.componentType,
            StdoutOutputConfig.componentType,
        ], setUp: setUp)
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

/// Runs `static → out` over `batches`, `out` an output of `type` with the YAML `options`
/// (one per line), until `done` holds for its metrics; then shuts the pipeline down
/// (`shutdown_timeout: 1s`) and returns them. For runs that end with events left behind.
func runOutput(_ type: ComponentType, options: String, dataDirectory: String, batches: [EventBatch],
               until done: @escaping @Sendable (ComponentMetrics) -> Bool) async throws -> ComponentMetrics {
    let components = TestComponents()
    components.provide("src", .input(StaticInput(batches)))
    let outcome = ConfigLoader.load(text: """
        data_dir: "\(dataDirectory)"
        shutdown_timeout: 1s
        inputs:
          src: { type: static }
        outputs:
          out:
            type: \(type.name)
            inputs: [src]
        \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """, file: "test.yaml", registry: ComponentRegistry(components.registry.types + [type]))
    guard let config = outcome.config else {
        throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
    }
    return try await withTimeout(seconds: 30) {
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        let metrics = topology.telemetry.entries.first { $0.id == "out" }!.metrics
        let running = Task { await topology.run() }
        try await eventually { done(metrics) }
        topology.shutdown()
        await running.value
        return metrics
    }
}

/// Events not yet released from the output's disk buffer, as its gauges show them.
func storedEvents(_ metrics: ComponentMetrics) -> Int? {
    metrics.diskBuffer.withLockedValue { $0 }?().events
}
