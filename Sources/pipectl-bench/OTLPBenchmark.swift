import CAllocCounter
import Foundation
import Inputs
import Logging
import NIOCore
import Outputs
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// OTLP/HTTP through a whole topology (issue 12): the real `opentelemetry` input on a free
/// loopback port, fed by `OTLPLoadGenerator` (4 keep-alive connections, pre-encoded protobuf
/// bodies), and an output sending to a `BenchHTTPReceiver` (204 at once, a success to both
/// outputs). The clock runs from the first request until the output has had every item it
/// sends acknowledged; before it, a warm-up opens every connection and fills every buffer.
///
/// CPU is the process's (`getrusage`), which holds the load generator and the receiver too;
/// their threads' own CPU clocks are read as well, and the line gives pipectl's share as the
/// process CPU without them. The kernel's loopback TCP work is charged to whichever thread
/// is running when it happens, mostly the sender, so the generator's `write` also pays for
/// part of the input's receiving.
enum OTLPBenchmark {
    static let connections = 4
    /// Requests sent before the clock starts.
    static let warmUpRequests = 200
    static let spansPerRequest = 100
    /// Distinct bodies sent in turn: trace ids differ, so gzip finds no repeats across
    /// requests; metrics come from as many service instances, so series are as many as in a fleet.
    static let distinctBodies = 64

    /// The benchmarks' lines: spans uncompressed and gzip, metrics into remote-write.
    static func lines(divisor: Int) async throws -> [String] {
        [
            try await spansPassThrough(requests: 100_000 / divisor, compression: "none"),
            try await spansPassThrough(requests: 60_000 / divisor, compression: "gzip"),
            try await metricsToRemoteWrite(requests: 15_000 / divisor),
        ]
    }

    /// `opentelemetry` → `opentelemetry` (spans kept encoded, passed on byte for byte).
    static func spansPassThrough(requests: Int, compression: String) async throws -> String {
        let receiver = try BenchHTTPReceiver()
        defer { receiver.stop() }
        let port = try freeLoopbackPort()
        let yaml = """
            data_dir: \(dataDirectory)
            shutdown_timeout: 5s
            inputs: { otel: { type: opentelemetry, listen: "127.0.0.1:\(port)" } }
            outputs:
              otlp:
                type: opentelemetry
                inputs: [otel.traces]
                endpoint: http://127.0.0.1:\(receiver.port)
                compression: \(compression)
                batch: { timeout: 100ms }
            """
        let bodies = (0..<distinctBodies).map { OTLPBenchmarkRequests.traces(spans: spansPerRequest, seed: UInt64($0)) }
        let generator = OTLPLoadGenerator(port: port, path: "/v1/traces", bodies: bodies)
        let run = try await timed(yaml, OpenTelemetryOutputConfig.componentType, generator, receiver,
                                  requests: requests, sentPerRequest: spansPerRequest)
        let spans = requests * spansPerRequest
        precondition(compression != "none" || run.bytesOut == run.bytesIn,
                     "BUG: spans passed through changed size: \(run.bytesIn) bytes in, \(run.bytesOut) out")
        return "\(pad("OTLP spans pass-through (\(compression))")) \(rate(Double(spans) / run.wall)) spans/s  "
            + run.cpuSummary(per: spans, item: "span") + run.extras(per: spans, item: "span")
    }

    /// `opentelemetry` → `prometheus_remote_write`: points decoded to samples, re-encoded.
    static func metricsToRemoteWrite(requests: Int) async throws -> String {
        let receiver = try BenchHTTPReceiver()
        defer { receiver.stop() }
        let port = try freeLoopbackPort()
        let yaml = """
            data_dir: \(dataDirectory)
            shutdown_timeout: 5s
            inputs: { otel: { type: opentelemetry, listen: "127.0.0.1:\(port)" } }
            outputs:
              rw:
                type: prometheus_remote_write
                inputs: [otel.metrics]
                url: http://127.0.0.1:\(receiver.port)/api/v1/write
                batch: { timeout: 100ms }
            """
        let bodies = (0..<distinctBodies).map { OTLPBenchmarkRequests.metrics(instance: $0) }
        let generator = OTLPLoadGenerator(port: port, path: "/v1/metrics", bodies: bodies)
        let samplesPerRequest = OTLPBenchmarkRequests.samplesPerMetricsRequest
        let run = try await timed(yaml, RemoteWriteOutputConfig.componentType, generator, receiver,
                                  requests: requests, sentPerRequest: samplesPerRequest)
        let points = requests * OTLPBenchmarkRequests.pointsPerMetricsRequest
        return "\(pad("OTLP metrics → remote-write")) \(rate(Double(points) / run.wall)) points/s  "
            + "\(rate(Double(requests * samplesPerRequest) / run.wall)) samples/s  "
            + run.cpuSummary(per: points, item: "point") + run.extras(per: points, item: "point")
    }

    /// What a timed run measured, in seconds.
    struct Run {
        var wall = 0.0
        var processCPU = 0.0
        var generatorCPU = 0.0
        var receiverCPU = 0.0
        var allocations: UInt64 = 0
        var retries = 0
        /// Request bodies the input read, and the receiver read from the output (as sent).
        var bytesIn = 0
        var bytesOut = 0

        /// `cpu <process> µs/<item> (pipectl <share>, generator …, receiver …)`.
        func cpuSummary(per items: Int, item: String) -> String {
            let n = Double(items) / 1e6
            func micros(_ seconds: Double) -> String { String(format: "%.3f", seconds / n) }
            return "cpu \(micros(processCPU)) µs/\(item) (pipectl \(micros(processCPU - generatorCPU - receiverCPU)), "
                + "generator \(micros(generatorCPU)), receiver \(micros(receiverCPU)))"
        }

        /// Bytes in and out per second, allocations per item, and requests sent again when there were any.
        func extras(per items: Int, item: String) -> String {
            "  in \(String(format: "%.0f", Double(bytesIn) / wall / 1e6)) MB/s, out \(String(format: "%.0f", Double(bytesOut) / wall / 1e6)) MB/s"
                + "  allocs \(String(format: "%.4f", Double(allocations) / Double(items)))/\(item)" + (retries > 0 ? "  retried \(retries)" : "")
        }
    }

    /// Builds the topology of `yaml` (the `opentelemetry` input and `output`), starts it, warms
    /// up, then times `requests` requests until the output has sent `sentPerRequest` items for
    /// each, and shuts the topology down.
    private static func timed(_ yaml: String, _ output: ComponentType, _ generator: OTLPLoadGenerator, _ receiver: BenchHTTPReceiver,
                              requests: Int, sentPerRequest: Int) async throws -> Run {
        try? FileManager.default.removeItem(atPath: dataDirectory)
        let registry = ComponentRegistry([OpenTelemetryInputConfig.componentType, output])
        let outcome = ConfigLoader.load(text: yaml, file: "bench.yaml", registry: registry)
        guard let config = outcome.config else { fatalError("bench pipeline invalid: \(outcome.errors)") }
        let topology = try Topology(config: config, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        try await topology.prepare()
        let running = Task { await topology.run() }
        _ = await generator.run(requests: warmUpRequests, connections: connections)
        try await waitUntilSent(warmUpRequests * sentPerRequest, topology)

        let input = topology.telemetry.entries.first { $0.role == .input }!.metrics
        var run = Run()
        let bytesIn = input.receivedBytes.load(ordering: .relaxed), bytesOut = receiver.answered.bytes
        let cpu = processCPUSeconds(), allocations = alloc_counter_allocations(), receiverCPU = receiver.serveCPUSeconds
        let start = ContinuousClock.now
        let report = await generator.run(requests: requests, connections: connections)
        try await waitUntilSent((warmUpRequests + requests) * sentPerRequest, topology)
        run.wall = (ContinuousClock.now - start).secondsValue
        run.processCPU = processCPUSeconds() - cpu
        run.allocations = alloc_counter_allocations() - allocations
        run.generatorCPU = report.cpuSeconds
        run.receiverCPU = receiver.serveCPUSeconds - receiverCPU
        run.retries = report.retries
        run.bytesIn = input.receivedBytes.load(ordering: .relaxed) - bytesIn
        run.bytesOut = receiver.answered.bytes - bytesOut

        let expected = (warmUpRequests + requests) * sentPerRequest
        let received = input.receivedEvents.load(ordering: .relaxed)
        let sent = topology.telemetry.entries.first { $0.role == .output }!.metrics.sentEvents.load(ordering: .relaxed)
        precondition(received == expected && sent == expected,
                     "BUG: of \(warmUpRequests + requests) requests (\(sentPerRequest) each) the input made \(received) events, the output sent \(sent)")
        _ = topology.shutdown()
        await running.value
        return run
    }

    /// Waits (polling every millisecond) until the output has sent `expected` items.
    private static func waitUntilSent(_ expected: Int, _ topology: Topology) async throws {
        let output = topology.telemetry.entries.first { $0.role == .output }!.metrics
        let deadline = ContinuousClock.now + .seconds(60)
        while output.sentEvents.load(ordering: .relaxed) < expected {
            guard ContinuousClock.now < deadline else {
                fatalError("BUG: the output sent \(output.sentEvents.load(ordering: .relaxed)) of \(expected); dropped \(output.dropCounts)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    private static var dataDirectory: String { NSTemporaryDirectory() + "pipectl-bench-otlp" }

    /// A port nothing listens on now: bound to port 0, read back, closed.
    private static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PipectlError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
        }
        guard bound == 0 else { throw PipectlError("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func pad(_ name: String) -> String { name.padding(toLength: 34, withPad: " ", startingAt: 0) }

    private static func rate(_ v: Double) -> String {
        v >= 1e6 ? String(format: "%7.2f M", v / 1e6) : String(format: "%7.0f  ", v)
    }
}
