import Foundation
import Logging
import Outputs
import Pipeline

/// `prometheus_remote_write` with a memory buffer vs a disk buffer (issue 7): the same
/// prebuilt metric batches go through a whole topology (`bench_metrics` → remote-write) into
/// a local receiver that answers 204 at once, so encode, snappy, disk append, read back
/// (decompress and check) and HTTP send are all timed.
enum RemoteWriteBufferBenchmark {
    enum Mode: String, CaseIterable {
        case memory = "memory buffer"
        case diskInterval = "disk fsync:interval"
        case diskAlways = "disk fsync:always"

        var buffer: String {
            switch self {
            case .memory: "{ type: memory }"
            case .diskInterval: "{ type: disk, max_size: 1GiB, fsync: interval }"
            case .diskAlways: "{ type: disk, max_size: 1GiB, fsync: always }"
            }
        }
    }

    /// One mode's figures; `bytesPerSample` only for disk.
    struct Run {
        let mode: Mode
        let result: BenchmarkResult
        let bytesPerSample: Double?
    }

    static let dataDirectory = "/tmp/pipectl-bench-rw"

    /// Times each mode over `batches`, then (disk only, untimed) measures bytes per buffered sample.
    static func run(samples: Int) async throws -> [Run] {
        let batches = NodeExporterSamples.batches(samples: samples)
        var runs: [Run] = []
        for mode in Mode.allCases {
            let result = try await timed(mode, batches: batches, samples: samples)
            let bytes = mode == .memory ? nil : try await bytesPerBufferedSample(mode, batches: batches, samples: samples)
            runs.append(Run(mode: mode, result: result, bytesPerSample: bytes))
        }
        return runs
    }

    /// One line per mode, as the suite prints them, plus disk bytes and the disk/memory ratio.
    static func lines(_ runs: [Run]) -> [String] {
        let memory = runs.first { $0.mode == .memory }!.result.eventsPerSecond
        return runs.map { run in
            var line = run.result.line
            if let bytes = run.bytesPerSample {
                line += String(format: "  %.2f bytes/buffered sample  disk/memory %.2f", bytes, run.result.eventsPerSecond / memory)
            }
            return line
        }
    }

    private static func yaml(_ mode: Mode, port: Int, shutdownTimeout: String) -> String {
        """
        data_dir: \(dataDirectory)
        shutdown_timeout: \(shutdownTimeout)
        inputs: { samples: { type: bench_metrics } }
        outputs:
          rw:
            type: prometheus_remote_write
            inputs: [samples]
            url: http://127.0.0.1:\(port)/api/v1/write
            buffer: \(mode.buffer)
        """
    }

    private static func topology(_ mode: Mode, batches: [EventBatch], port: Int, shutdownTimeout: String) async throws -> Topology {
        try? FileManager.default.removeItem(atPath: dataDirectory)
        let registry = ComponentRegistry([BenchMetricInputConfig.componentType(batches), RemoteWriteOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: yaml(mode, port: port, shutdownTimeout: shutdownTimeout), file: "bench.yaml", registry: registry)
        guard let config = outcome.config else { fatalError("bench pipeline invalid: \(outcome.errors)") }
        let topology = try Topology(config: config, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        try await topology.prepare()
        return topology
    }

    private static func timed(_ mode: Mode, batches: [EventBatch], samples: Int) async throws -> BenchmarkResult {
        let receiver = try BenchHTTPReceiver()
        defer { receiver.stop() }
        let topology = try await topology(mode, batches: batches, port: receiver.port, shutdownTimeout: "30s")
        let result = await measure("remote-write \(mode.rawValue)", events: samples) { await topology.run() }
        let sent = topology.telemetry.entries.filter { $0.role == .output }.map { $0.metrics.sentEvents.load(ordering: .relaxed) }
        precondition(sent == [samples], "BUG: remote-write (\(mode.rawValue)) delivered \(sent), expected \(samples)")
        precondition(receiver.answered.requests > 0, "BUG: the bench receiver answered no request")
        return result
    }

    /// Segment bytes on disk / samples stored, with the receiver paused (it never answers, so
    /// no record is released or deleted): read from the buffer's gauges once they show every
    /// sample stored, and checked against the sizes of the segment files.
    private static func bytesPerBufferedSample(_ mode: Mode, batches: [EventBatch], samples: Int) async throws -> Double {
        let receiver = try BenchHTTPReceiver(paused: true)
        defer { receiver.stop() }
        let topology = try await topology(mode, batches: batches, port: receiver.port, shutdownTimeout: "1s")
        let running = Task { await topology.run() }
        let gauges = topology.telemetry.entries.first { $0.role == .output }!.metrics.diskBuffer
        let deadline = ContinuousClock.now + .seconds(120)
        var stored = gauges.withLockedValue { $0 }?()
        while (stored?.events ?? 0) < samples {
            precondition(ContinuousClock.now < deadline, "BUG: the paused disk buffer never held all \(samples) samples")
            try await Task.sleep(for: .milliseconds(20))
            stored = gauges.withLockedValue { $0 }?()
        }
        let directory = "\(dataDirectory)/buffers/rw"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }
        let onDisk = try files.reduce(0) { sum, name in
            sum + ((try FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.size] as? Int) ?? 0)
        }
        _ = topology.shutdown()
        await running.value
        precondition(stored!.events == samples && stored!.bytes == onDisk,
                     "BUG: the paused disk buffer holds \(stored!.events) samples in \(stored!.bytes) bytes; segment files \(onDisk) bytes")
        return Double(onDisk) / Double(samples)
    }
}
