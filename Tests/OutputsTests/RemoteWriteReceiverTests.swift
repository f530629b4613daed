import Foundation
import Logging
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The output against a strict receiver written here: it checks what Prometheus checks,
/// answers from a script, and keeps what it accepted.
final class RemoteWriteReceiverTests: XCTestCase {
    private var receiver: StrictRemoteWriteReceiver!
    private var url = ""

    override func setUp() async throws {
        receiver = StrictRemoteWriteReceiver()
        url = "http://127.0.0.1:\(try await receiver.start())/api/v1/write"
    }

    override func tearDown() async throws {
        await receiver.stop()
    }

    /// `count` series `rw_test{series="i"}`, one sample each at `time`, value i.
    private func batch(series count: Int, time: Int64, name: String = "rw_test") -> MetricBatch {
        var batch = MetricBatch(capacity: count)
        for i in 0..<count {
            batch.append(name: name, labels: [("series", String(i)), ("job", "test")], value: Double(i), timestamp: time, kind: .gauge)
        }
        return batch
    }

    func testDeliversWithTheProtocolHeadersAuthAndExtraHeaders() async throws {
        receiver.requiredHeaders = [("Authorization", "Bearer s3cret"), ("X-Scope-OrgID", "team-a")]
        let run = try await runRemoteWrite(self, url: url, options: """
            auth: { bearer_token: s3cret }
            headers: { X-Scope-OrgID: team-a }
            """, batches: [batch(series: 3, time: 1000), batch(series: 3, time: 2000)])
        XCTAssertEqual(receiver.problems, [])
        XCTAssertEqual(receiver.samples.mapValues { $0.map(\.timestamp) }, [
            "__name__=rw_test,job=test,series=0": [1000, 2000],
            "__name__=rw_test,job=test,series=1": [1000, 2000],
            "__name__=rw_test,job=test,series=2": [1000, 2000],
        ])
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 6)
        XCTAssertEqual(run.metrics.receivedEvents.load(ordering: .relaxed), 6)
        XCTAssertEqual(run.metrics.errorCounts.map(\.0), [])
        XCTAssertFalse(run.metrics.failing.load(ordering: .relaxed))
    }

    func test400GoesToTheDeadLetterFileWithACounterAndALogLine() async throws {
        receiver.script([.init(status: .badRequest, body: "invalid sample: too old")])
        let logs = LogCapture()
        let run = try await runRemoteWrite(self, url: url, options: "concurrency: 1", batches: [batch(series: 3, time: 1000)],
                                           logger: logs.logger())
        XCTAssertEqual(receiver.requests.count, 1, "a 400 is never retried")
        XCTAssertEqual(run.metrics.dropCounts.first { $0.0 == "rejected" }?.1, 3)
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 0)
        let path = "\(run.dataDirectory)/dead_letter/rw.ndjson"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(lines.count, 4)
        let header = try XCTUnwrap(lines[0]["dead_letter"] as? [String: Any])
        XCTAssertEqual(header["status"] as? Int, 400)
        XCTAssertEqual(header["response"] as? String, "invalid sample: too old")
        XCTAssertEqual(header["url"] as? String, url)
        XCTAssertEqual(header["events"] as? Int, 3)
        XCTAssertEqual(lines.dropFirst().map { $0["name"] as? String }, ["rw_test", "rw_test", "rw_test"])
        XCTAssertEqual(lines.dropFirst().map { ($0["labels"] as? [String: String])?["series"] }, ["0", "1", "2"])
        XCTAssertEqual(lines.dropFirst().map { $0["value"] as? Double }, [0, 1, 2])
        XCTAssertEqual(lines.dropFirst().map { $0["timestamp"] as? String }, Array(repeating: "1970-01-01T00:00:01.000000000Z", count: 3))
        XCTAssertTrue(logs.messages.contains(
            "prometheus_remote_write(rw): 400 from \(url): invalid sample: too old; 3 events written to \(path)"), "\(logs.messages)")
    }

    /// `dead_letter.max_size` reaches the writer: past it the file moves to `.1`.
    func testDeadLetterMaxSizeRotatesTheFile() async throws {
        receiver.script(Array(repeating: .init(status: .badRequest, body: "invalid sample"), count: 3))
        let run = try await runRemoteWrite(self, url: url, options: "concurrency: 1\nbatch: { max_events: 5 }\ndead_letter: { max_size: 1KiB }",
                                           batches: [batch(series: 15, time: 1000)])
        XCTAssertEqual(run.metrics.dropCounts.first { $0.0 == "rejected" }?.1, 15)
        let path = "\(run.dataDirectory)/dead_letter/rw.ndjson"
        for file in [path, path + ".1"] {
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            XCTAssertLessThanOrEqual(size, 1024, file)
            XCTAssertGreaterThan(size, 0, file)
        }
    }

    func test503ThenSuccessIsRetriedAndDeliveredOnce() async throws {
        receiver.script([.init(status: .serviceUnavailable, body: "overloaded")])
        let run = try await runRemoteWrite(self, url: url, options: "concurrency: 1\nretry: { initial_backoff: 10ms }",
                                           batches: [batch(series: 5, time: 1000)])
        let requests = receiver.requests
        XCTAssertEqual(requests.map(\.status), [503, 204])
        XCTAssertEqual(requests[0].body, requests[1].body, "the retry sends the same body")
        XCTAssertEqual(receiver.samples.values.map(\.count), [1, 1, 1, 1, 1], "each sample stored once")
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 5)
        XCTAssertEqual(run.metrics.errorCounts.first { $0.0 == "http_5xx" }?.1, 1)
        XCTAssertFalse(run.metrics.failing.load(ordering: .relaxed))
        XCTAssertEqual(run.metrics.retries.load(ordering: .relaxed), 1)
        XCTAssertEqual(run.metrics.requestDuration.snapshot.cumulative.last, 2, "both attempts are timed")
    }

    func test429WithRetryAfterIsDeliveredAfterTheWait() async throws {
        receiver.script([.init(status: .tooManyRequests, headers: [("Retry-After", "1")], body: "rate limited")])
        let run = try await runRemoteWrite(self, url: url, options: "concurrency: 1\nretry: { initial_backoff: 10ms }",
                                           batches: [batch(series: 2, time: 1000)])
        let requests = receiver.requests
        XCTAssertEqual(requests.map(\.status), [429, 204])
        XCTAssertGreaterThanOrEqual(requests[0].at.duration(to: requests[1].at), .milliseconds(900), "Retry-After: 1 beats the 10ms backoff")
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 2)
        XCTAssertEqual(run.metrics.errorCounts.first { $0.0 == "http_429" }?.1, 1)
    }

    func testNetworkErrorsAreRetriedUntilMaxDuration() async throws {
        let closed = "http://127.0.0.1:\(try freeLoopbackPort())/api/v1/write"
        let run = try await runRemoteWrite(self, url: closed, options: """
            request_timeout: 100ms
            retry: { initial_backoff: 10ms, max_duration: 500ms }
            """,
                                           batches: [batch(series: 2, time: 1000)])
        XCTAssertGreaterThanOrEqual(run.metrics.errorCounts.first { $0.0 == "network" }?.1 ?? 0, 2)
        XCTAssertEqual(run.metrics.dropCounts.first { $0.0 == "retry_expired" }?.1, 2)
        let text = try String(contentsOfFile: "\(run.dataDirectory)/dead_letter/rw.ndjson", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("{\"timestamp\":"), text)
        XCTAssertTrue(text.contains("\"reason\":\"prometheus_remote_write(rw): \(closed): "), text)
    }

    func testShutdownFlushesThePartialBatchAtOnce() async throws {
        let started = ContinuousClock.now
        let run = try await runRemoteWrite(self, url: url, options: "batch: { timeout: 1h }", batches: [batch(series: 3, time: 1000)])
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 3)
        XCTAssertLessThan(started.duration(to: .now), .seconds(10), "the closed inbox flushes; nobody waits for the 1h timeout")
    }

    func testSeriesStayInOrderAcrossShardsAndManyRequests() async throws {
        let batches = (0..<20).map { batch(series: 100, time: 1000 * Int64($0 + 1)) }
        let run = try await runRemoteWrite(self, url: url, options: "concurrency: 4\nbatch: { max_events: 50 }", batches: batches)
        XCTAssertEqual(receiver.problems, [], "the receiver refuses out-of-order samples")
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 2000)
        XCTAssertGreaterThanOrEqual(receiver.requests.count, 40)
        XCTAssertEqual(receiver.samples.count, 100)
        for (key, samples) in receiver.samples {
            XCTAssertEqual(samples.map(\.timestamp), (1...20).map { 1000 * Int64($0) }, key)
        }
    }

    func testA413SplitsTheRequestUntilItFits() async throws {
        receiver.maxUncompressedBytes = 2000
        let run = try await runRemoteWrite(self, url: url, batches: [batch(series: 200, time: 1000)])
        XCTAssertEqual(run.metrics.sentEvents.load(ordering: .relaxed), 200)
        XCTAssertEqual(receiver.samples.count, 200)
        XCTAssertEqual(receiver.requests.first?.status, 413)
        XCTAssertEqual(run.metrics.dropCounts.map(\.1).reduce(0, +), 0)
    }
}

/// What `runRemoteWrite` leaves behind.
struct RemoteWriteRun {
    let metrics: ComponentMetrics
    let dataDirectory: String
}

/// Runs `static → prometheus_remote_write(rw)` over `batches` until the pipeline ends by itself.
func runRemoteWrite(_ test: XCTestCase, url: String, options: String = "", batches: [MetricBatch],
                    logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                    timeout: Double = 60) async throws -> RemoteWriteRun {
    let dataDirectory = try temporaryDirectory(test).path
    let components = TestComponents()
    components.provide("src", .input(StaticInput(batches.map { .metrics($0) })))
    let registry = ComponentRegistry(components.registry.types + [RemoteWriteOutputConfig.componentType])
    let outcome = ConfigLoader.load(text: """
        data_dir: "\(dataDirectory)"
        shutdown_timeout: 30s
        inputs:
          src: { type: metric_source }
        outputs:
          rw:
            type: prometheus_remote_write
            inputs: [src]
            url: "\(url)"
        \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """, file: "test.yaml", registry: registry)
    guard let config = outcome.config else {
        throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
    }
    let topology = try Topology(config: config, logger: logger)
    try await topology.prepare()
    try await withTimeout(seconds: timeout) { await topology.run() }
    let metrics = topology.telemetry.entries.first { $0.id == "rw" }!.metrics
    return RemoteWriteRun(metrics: metrics, dataDirectory: dataDirectory)
}
