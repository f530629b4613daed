import Foundation
import PipelineTesting
import XCTest

/// `buffer: {type: disk}` end to end with the real binary and a real VictoriaMetrics: samples
/// stored while the receiver is down survive `kill -9` and arrive after a restart; a torn
/// last record is skipped and counted, and everything before it still arrives.
final class RemoteWriteDiskBufferTests: XCTestCase {
    private var vm: Process?
    private var pipectl: PipectlProcess?
    private let executable = "/usr/bin/victoria-metrics"
    private let series = 300

    override func tearDown() {
        if let pipectl, pipectl.process.isRunning { pipectl.signal(SIGKILL) }
        if let vm, vm.isRunning {
            vm.terminate()
            vm.waitUntilExit()
        }
    }

    func testSamplesStoredWhileTheReceiverIsDownArriveAfterKill9AndRestart() throws {
        let run = try storeWithReceiverDown(tail: 0)
        try startVictoriaMetrics(run)
        pipectl = try PipectlProcess(["run", "p.yaml"], in: run.dir)
        let stored = try waitForSeries(run, named: "disk_e2e", count: series)
        XCTAssertEqual(stored.count, series, "samples lost")
        let duplicates = stored.values.reduce(0) { $0 + $1 - 1 }
        print("disk buffer e2e: \(stored.count) of \(series) series arrived, \(duplicates) duplicate samples (at least once)")
        XCTAssertGreaterThanOrEqual(try metric(run.apiPort, "pipectl_buffer_replayed_records_total"), 1)
        stop()
    }

    func testATornLastRecordIsSkippedAndEverythingBeforeItArrives() throws {
        let tail = 40
        let run = try storeWithReceiverDown(tail: tail)
        let segments = try FileManager.default.contentsOfDirectory(atPath: run.buffer.path).filter { $0.hasSuffix(".seg") }.sorted()
        let last = run.buffer.appendingPathComponent(try XCTUnwrap(segments.last))
        let handle = try FileHandle(forWritingTo: last)
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 5)
        try handle.close()
        try startVictoriaMetrics(run)
        pipectl = try PipectlProcess(["run", "p.yaml"], in: run.dir)
        let stored = try waitForSeries(run, named: "disk_e2e", count: series)
        XCTAssertEqual(stored.count, series, "a record before the torn one was lost")
        XCTAssertGreaterThanOrEqual(try metric(run.apiPort, "pipectl_buffer_corrupt_records_total"), 1)
        let tailSeries = try export(run.vmPort, named: "disk_e2e_tail")
        XCTAssertLessThan(tailSeries.count, tail, "the torn record's samples cannot arrive")
        print("disk buffer e2e (torn tail): \(stored.count) of \(series) series arrived; \(tailSeries.count) of \(tail) tail series")
        stop()
    }

    func testRandomBytesOverTheMiddleOfASegmentLoseOnlyTheRecordsTheyHit() throws {
        let run = try storeWithReceiverDown(tail: 0, maxEvents: 30)
        let segments = try FileManager.default.contentsOfDirectory(atPath: run.buffer.path).filter { $0.hasSuffix(".seg") }.sorted()
        let segment = run.buffer.appendingPathComponent(try XCTUnwrap(segments.last))
        let handle = try FileHandle(forUpdating: segment)
        let size = try handle.seekToEnd()
        var generator = SystemRandomNumberGenerator()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data((0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.close()
        try startVictoriaMetrics(run)
        pipectl = try PipectlProcess(["run", "p.yaml"], in: run.dir)
        waitUntil("the damage counted", timeout: 30) { ((try? metric(run.apiPort, "pipectl_buffer_corrupt_records_total")) ?? 0) >= 1 }
        // Every record but the one or two the bytes hit (30 samples each) arrives.
        let stored = try waitForSeries(run, named: "disk_e2e", count: series - 60)
        XCTAssertGreaterThanOrEqual(stored.count, series - 60)
        XCTAssertLessThan(stored.count, series)
        print("disk buffer e2e (random bytes mid-segment): \(stored.count) of \(series) series arrived")
        stop()
    }

    // MARK: Harness

    private struct Run {
        let dir: URL
        let input: URL
        let buffer: URL
        let vmPort: Int
        let apiPort: Int
    }

    /// Writes `series` lines (and then `tail` more, in a later record), runs pipectl with
    /// VictoriaMetrics down until the disk buffer holds them all, then kills it with SIGKILL.
    private func storeWithReceiverDown(tail: Int, maxEvents: Int = 10_000) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("VictoriaMetrics is not installed at \(executable) (scripts/install-deps.sh installs it)")
        }
        continueAfterFailure = false
        let dir = try temporaryDirectory(self)
        let run = Run(dir: dir, input: dir.appendingPathComponent("in.log"), buffer: dir.appendingPathComponent("data/buffers/rw"),
                      vmPort: try freeLoopbackPort(), apiPort: try freeLoopbackPort())
        try """
        data_dir: \(dir.path)/data
        shutdown_timeout: 2s
        api: { listen: "127.0.0.1:\(run.apiPort)" }
        inputs:
          lines: { type: file, path: \(run.input.path), poll_interval: 20ms, acknowledgements: true }
        transforms:
          fields: { type: logfmt, inputs: [lines] }
          gauges:
            type: log_to_metric
            inputs: [fields]
            flush_interval: 1s
            metrics:
              - { type: gauge, name: disk_e2e, field: v, labels: { i: "{{i}}" }, when: { field: kind, equals: head } }
              - { type: gauge, name: disk_e2e_tail, field: v, labels: { i: "{{i}}" }, when: { field: kind, equals: tail } }
        outputs:
          rw:
            type: prometheus_remote_write
            inputs: [gauges]
            url: "http://127.0.0.1:\(run.vmPort)/api/v1/write"
            concurrency: 1
            batch: { max_events: \(maxEvents) }
            retry: { initial_backoff: 50ms, max_backoff: 200ms }
            buffer: { type: disk, fsync: always }
        """.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        try (0..<series).map { "kind=head i=\($0) v=\($0)\n" }.joined().write(to: run.input, atomically: true, encoding: .utf8)
        let first = try PipectlProcess(["run", "p.yaml"], in: dir)
        pipectl = first
        waitUntil("\(series) samples in the disk buffer", timeout: 30) { (try? metric(run.apiPort, "pipectl_buffer_disk_events")) == Double(series) }
        if tail > 0 {
            let handle = try FileHandle(forWritingTo: run.input)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((0..<tail).map { "kind=tail i=\($0) v=\($0)\n" }.joined().utf8))
            try handle.close()
            waitUntil("\(tail) more samples in the disk buffer", timeout: 30) {
                (try? metric(run.apiPort, "pipectl_buffer_disk_events")) == Double(series + tail)
            }
        }
        first.signal(SIGKILL)
        first.wait(timeout: 10)
        return run
    }

    private func startVictoriaMetrics(_ run: Run) throws {
        let vm = Process()
        vm.executableURL = URL(fileURLWithPath: executable)
        vm.arguments = ["-httpListenAddr=127.0.0.1:\(run.vmPort)", "-storageDataPath=\(run.dir.path)/vm", "-retentionPeriod=100y",
                        "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR"]
        vm.standardOutput = FileHandle.nullDevice
        vm.standardError = FileHandle.nullDevice
        try vm.run()
        self.vm = vm
        waitUntil("VictoriaMetrics ready", timeout: 30) { (try? httpGet(port: run.vmPort, path: "/health"))?.status == 200 }
    }

    /// Polls VictoriaMetrics until `count` series named `name` are there (or 60 s); samples per series.
    private func waitForSeries(_ run: Run, named name: String, count: Int) throws -> [String: Int] {
        var stored: [String: Int] = [:]
        waitUntil("\(count) series \(name) in VictoriaMetrics", timeout: 60) {
            _ = try? httpGet(port: run.vmPort, path: "/internal/force_flush")
            stored = (try? export(run.vmPort, named: name)) ?? [:]
            return stored.count >= count
        }
        return stored
    }

    private func stop() {
        pipectl?.signal(SIGTERM)
        let exit = pipectl?.wait(timeout: 20)
        XCTAssertEqual(exit?.status, 0, exit?.stderr ?? "")
    }

    /// Samples per series `name{i="…"}` in VictoriaMetrics.
    private func export(_ port: Int, named name: String) throws -> [String: Int] {
        let response = try HTTPTestClient.request(port: port, "/api/v1/export?match%5B%5D=\(name)", timeoutSeconds: 5)
        var out: [String: Int] = [:]
        for line in response.content.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let metric = object["metric"] as? [String: String], metric["__name__"] == name,
                  let values = object["values"] as? [Any] else { continue }
            out[metric["i"] ?? "", default: 0] += values.count
        }
        return out
    }

    /// The value of the `rw` output's `name` on pipectl's `/metrics`.
    private func metric(_ port: Int, _ name: String) throws -> Double {
        let body = try httpGet(port: port, path: "/metrics").body
        guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix(name + "{") && $0.contains("\"rw\"") }),
              let value = line.split(separator: " ").last.flatMap({ Double($0) }) else {
            throw CLIError("\(name) not on /metrics")
        }
        return value
    }
}
