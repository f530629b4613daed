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
