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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PipectlError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw PipectlError("connect to port \(port): \(String(cString: strerror(errno)))") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw PipectlError("send failed")
        }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw PipectlError("recv: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            data += chunk[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw PipectlError("no header end in \(text)") }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw PipectlError("bad status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
