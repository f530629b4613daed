import Foundation
import Inputs
import Logging
import NIOCore
import Outputs
import Pipeline
import Transforms

/// The benchmark suite: queue handoff, demo → blackhole, fd lines → logfmt → blackhole,
/// and the per-event allocations of the hot path.
enum Benchmarks {
    static let registry = ComponentRegistry([
        DemoInputConfig.componentType, BlackholeOutputConfig.componentType, LogfmtTransformConfig.componentType,
        BenchFileDescriptorInputConfig.componentType,
    ])

    /// Two tasks hand batches of `batchSize` events through one ring.
    static func queueHandoff(events: Int, batchSize: Int = 512) async -> BenchmarkResult {
        var template = LogBatch(capacity: batchSize)
        for _ in 0..<batchSize { template.append(timestamp: 0, message: "x") }
        let batch = EventBatch.logs(template)
        let inbox = StageInbox(maxEvents: 64 * batchSize)
        let ring = inbox.makeRing()
        let batches = events / batchSize
        return await measure("queue handoff (batch \(batchSize))", events: batches * batchSize) {
            let producer = Task {
                for _ in 0..<batches { _ = await ring.push(batch) }
                ring.close()
            }
            var received = 0
            while let b = await inbox.next() { received += b.count }
            await producer.value
            precondition(received == batches * batchSize, "BUG: queue lost events")
        }
    }

    /// A whole pipeline run from YAML until its inputs end.
    static func pipeline(_ name: String, yaml: String, events: Int, bytes: Int = 0) async throws -> BenchmarkResult {
        let outcome = ConfigLoader.load(text: yaml, file: "bench.yaml", registry: registry)
        guard let config = outcome.config else { fatalError("bench pipeline invalid: \(outcome.errors)") }
        let topology = try Topology(config: config, logger: Logger(label: "bench"))
        try await topology.prepare()
        let result = await measure(name, events: events, bytes: bytes) { await topology.run() }
        let delivered = topology.telemetry.entries.filter { $0.role == .output }.map { $0.metrics.sentEvents.load(ordering: .relaxed) }
        precondition(delivered.allSatisfy { $0 == events }, "BUG: \(name) delivered \(delivered), expected \(events)")
        let copies = topology.telemetry.entries.map { ($0.id, $0.metrics.batchCopies.load(ordering: .relaxed)) }.filter { $0.1 > 0 }
        if !copies.isEmpty { print("  \(name): batch copies by stage \(copies)") }
        return result
    }

    static func demoToBlackhole(events: Int) async throws -> BenchmarkResult {
        try await pipeline("demo → blackhole", yaml: """
            data_dir: /tmp/pipectl-bench
            inputs: { demo: { type: demo, rate: 0, count: \(events) } }
            outputs: { sink: { type: blackhole, inputs: [demo] } }
            """, events: events)
    }

    /// demo → logfmt → logfmt → blackhole: every stage mutates, nothing should be copied.
    static func linearMutatingChain(events: Int) async throws -> BenchmarkResult {
        try await pipeline("demo → logfmt → logfmt → blackhole", yaml: """
            data_dir: /tmp/pipectl-bench
            inputs: { demo: { type: demo, rate: 0, count: \(events) } }
            transforms:
              first: { type: logfmt, inputs: [demo] }
              second: { type: logfmt, inputs: [first] }
            outputs: { sink: { type: blackhole, inputs: [second] } }
            """, events: events)
    }

    /// demo → two logfmt stages (fan-out) → blackholes: at most one copy per demo batch.
    static func fanOutToMutatingStages(events: Int) async throws -> BenchmarkResult {
        try await pipeline("demo → 2 × logfmt → blackhole (fan-out)", yaml: """
            data_dir: /tmp/pipectl-bench
            inputs: { demo: { type: demo, rate: 0, count: \(events) } }
            transforms:
              left: { type: logfmt, inputs: [demo] }
              right: { type: logfmt, inputs: [demo] }
            outputs:
              sink_left: { type: blackhole, inputs: [left] }
              sink_right: { type: blackhole, inputs: [right] }
            """, events: events)
    }

    /// Lines read from a file descriptor (as `stdin` reads them), parsed by logfmt.
    static func linesToLogfmt(lines: Int) async throws -> BenchmarkResult {
        let path = "/tmp/pipectl-bench-lines.log"
        let generator = DemoInput(rate: 0, count: 0, seed: 7)
        var buffer = ByteBuffer()
        var batch = LogBatch(capacity: 4096)
        var position = 0
        var written = 0
        while written < lines {
            batch.removeAll()
            position = generator.fill(&batch, count: min(4096, lines - written), from: position)
            for i in 0..<batch.count {
                batch.withMessage(i) { buffer.writeBytes($0) }
                buffer.writeStaticString("\n")
            }
            written += batch.count
        }
        FileManager.default.createFile(atPath: path, contents: Data(buffer.readableBytesView))
        return try await pipeline("fd lines → logfmt → blackhole", yaml: """
            data_dir: /tmp/pipectl-bench
            inputs: { lines: { type: bench_fd, path: \(path) } }
            transforms: { parsed: { type: logfmt, inputs: [lines] } }
            outputs: { sink: { type: blackhole, inputs: [parsed] } }
            """, events: lines, bytes: buffer.readableBytes)
    }

    /// Logplex bodies of 100 Heroku-style frames (as logplex batches them) parsed into batches.
    static func drainBodyParse(lines: Int) async -> BenchmarkResult {
        let generator = DemoInput(rate: 0, count: 0, seed: 3)
        var batch = LogBatch(capacity: 100)
        _ = generator.fill(&batch, count: 100, from: 0)
        var body = ByteBuffer()
        for i in 0..<batch.count {
            let procid: String
            if case .bytes(let s) = batch.field(i, .procid) { procid = batch.string(s) } else { procid = "web.1" }
            let app: String
            if case .bytes(let s) = batch.field(i, .appname) { app = batch.string(s) } else { app = "app" }
            let message = "<158>1 2024-05-01T00:00:00.001000+00:00 host \(app) \(procid) - \(batch.message(i))\n"
            body.writeString("\(message.utf8.count) \(message)")
        }
        let parser = LogplexBodyParser(maxFrameBytes: 10_240)
        let fields = LogplexBodyParser.RequestFields(drainToken: "d.01234567-89ab-cdef-0123-456789abcdef", frameID: "0123456789abcdef0123456789abcdef")
        let rounds = lines / 100
        var frames = 0
        let result = await measure("drain body parse (100 frames/body)", events: rounds * 100, bytes: rounds * body.readableBytes) {
            for _ in 0..<rounds { frames += parser.parse(body, fields: fields, now: 0).frames }
        }
        precondition(frames == rounds * 100, "BUG: drain parser lost frames")
        return result
    }

    /// Allocations per event of the synchronous hot path: generate into a reused batch,
    /// logfmt-parse it, NDJSON-encode it into a reused buffer.
    static func hotPathAllocations(events: Int) async -> BenchmarkResult {
        var hotPath = HotPath()
        hotPath.run(rounds: 64)  // warm-up: reused buffers reach their steady-state capacity
        let rounds = events / 512
        return await measure("hot path alloc (fill+logfmt+json)", events: rounds * 512) { hotPath.run(rounds: rounds) }
    }
}

/// Generate → logfmt → NDJSON over one reused batch and one reused output buffer.
struct HotPath {
    let generator = DemoInput(rate: 0, count: 0, seed: 42)
    var logfmt = LogfmtTransform(field: FieldName("message"))
    let encoder = EventEncoder(encoding: .json)
    var batch = LogBatch(capacity: 512)
    var out = ByteBufferAllocator().buffer(capacity: 1 << 20)
    var position = 0

    mutating func run(rounds: Int) {
        for _ in 0..<rounds {
            batch.removeAll()
            out.clear()
            position = generator.fill(&batch, count: 512, from: position)
            for i in 0..<batch.count { logfmt.parse(&batch, i) }
            encoder.encode(.logs(batch), into: &out)
        }
    }
}

/// `bench_fd`: reads lines from a file to its end, as the `stdin` input reads standard input.
struct BenchFileDescriptorInputConfig: ComponentConfig {
    static let componentType = ComponentType(name: "bench_fd", role: .input, produces: .fixed(.log)) {
        BenchFileDescriptorInputConfig(path: $0.string("path", required: true) ?? "")
    }

    let path: String

    func makeStage(_ context: StageContext) throws -> Stage {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw PipectlError("cannot open \(path)") }
        return .input(FileDescriptorLineInput(fd: fd, maxLineBytes: 64 * 1024))
    }
}
