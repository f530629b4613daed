import Codecs
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The opentelemetry output with `buffer: {type: disk}` against the strict OTLP test receiver:
/// what a run could not deliver (nothing listened) stays on disk, and a new run on the same
/// `data_dir` delivers it once, splits it on a 413, dead-letters it on a 400.
final class OpenTelemetryDiskBufferTests: XCTestCase {
    private typealias T = OpenTelemetryOutputTesting

    /// Nothing listens there: every attempt fails (once `request_timeout` is spent: the HTTP
    /// client retries refused connections until then).
    private static let down = "http://127.0.0.1:1"
    private static let spanRequest = T.bytes(hex: T.traceRequest)

    private static func options(endpoint: String, _ extra: String = "") -> String {
        """
        endpoint: "\(endpoint)"
        retry: { initial_backoff: 5ms, max_backoff: 20ms }
        buffer: { type: disk, fsync: always }
        \(extra)
        """
    }

    private static func batches(logs: Int, metrics: Int) throws -> [EventBatch] {
        [T.logBatch(0..<logs), T.metricBatch(0..<metrics), .spans(try T.spanBatch(spanRequest))]
    }

    /// `series=<i>` points of `otel_disk`, as `T.dataPoints` shows them.
    private static func points(_ range: Range<Int>) -> [String] {
        range.map { "otel_disk{series=\($0)}=\(Double($0))" }
    }

    func testEverySignalStoredWhileTheReceiverIsDownArrivesOnceAfterARestart() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let total = 300 + 50 + T.traceSpans
        let first = try await store(try Self.batches(logs: 300, metrics: 50), dataDirectory: dataDirectory, total: total)
        XCTAssertEqual(first.sentEvents.load(ordering: .relaxed), 0)

        let receiver = try await OTLPTestReceiver(self, directory: dataDirectory)
        let second = try await replay(Self.options(endpoint: receiver.endpoint), dataDirectory: dataDirectory, total: total)
        XCTAssertEqual(try receiver.requests().map(\.status).filter { $0 != 200 }, [])
        XCTAssertEqual(try T.logMessages(receiver), (0..<300).map { "m\($0)" }, "every record once, in order")
        XCTAssertEqual(try T.dataPoints(receiver).sorted(), Self.points(0..<50).sorted(), "every point once")
        XCTAssertEqual(try T.receivedSpans(receiver), try T.spans(Self.spanRequest), "every span once, byte for byte")
        XCTAssertEqual(try receiver.requests("/v1/traces").first?.headers["content-encoding"], "gzip")
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), total)
        XCTAssertEqual(second.dropCounts.map(\.1).reduce(0, +), 0)
    }

    /// Stored under `compression: none`, sent under gzip: a 413 splits each stored request
    /// until its parts fit; every item arrives once, in order.
    func test413OnAReplayedRequestSplitsIt() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let total = 200 + 40 + T.traceSpans
        _ = try await store(try Self.batches(logs: 200, metrics: 40), dataDirectory: dataDirectory, total: total,
                            extra: "compression: none\nconcurrency: 1")

        let receiver = try await OTLPTestReceiver(self, directory: dataDirectory, options: ["--max-bytes", "1000"])
        let second = try await replay(Self.options(endpoint: receiver.endpoint, "concurrency: 1"), dataDirectory: dataDirectory,
                                      total: total)
        for path in ["/v1/logs", "/v1/metrics", "/v1/traces"] {
            XCTAssertEqual(try receiver.requests(path).first?.status, 413, path)
        }
        XCTAssertEqual(try T.logMessages(receiver), (0..<200).map { "m\($0)" }, "every record once, in order")
        XCTAssertEqual(try T.dataPoints(receiver), Self.points(0..<40), "every point once, in order")
        XCTAssertEqual(try T.receivedSpans(receiver), try T.spans(Self.spanRequest), "every span once, byte for byte")
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), total)
        XCTAssertEqual(T.errors(second, "http_4xx"), try receiver.requests().filter { $0.status == 413 }.count)
        XCTAssertEqual(second.dropCounts.map(\.1).reduce(0, +), 0)
    }

    /// A 400 is not retried: each stored request goes to the dead-letter file, its items as
    /// the JSON lines of their events, and is released.
    func test400OnAReplayedRequestDeadLettersItsItems() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        let total = 3 + 2 + T.traceSpans
        _ = try await store(try Self.batches(logs: 3, metrics: 2), dataDirectory: dataDirectory, total: total,
                            extra: "concurrency: 1")

        let receiver = try await OTLPTestReceiver(self, directory: dataDirectory, options: ["--script", "400,400,400"])
        let second = try await runOutput(OpenTelemetryOutputConfig.componentType,
                                         options: Self.options(endpoint: receiver.endpoint, "concurrency: 1"),
                                         dataDirectory: dataDirectory, batches: []) { metrics in
            T.dropped(metrics, "rejected") >= total && storedEvents(metrics) == 0
        }
        XCTAssertEqual(try receiver.requests().map(\.status), [400, 400, 400])
        XCTAssertEqual(T.dropped(second, "rejected"), total)
        XCTAssertEqual(second.sentEvents.load(ordering: .relaxed), 0)

        let lines = try T.deadLetters(dataDirectory).map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let headers = lines.compactMap { $0["dead_letter"] as? [String: Any] }
        XCTAssertEqual(headers.map { $0["status"] as? Int }, [400, 400, 400])
        XCTAssertEqual(headers.compactMap { $0["events"] as? Int }.sorted(), [2, 3, T.traceSpans])
        let items = lines.filter { $0["dead_letter"] == nil }
        XCTAssertEqual(items.count, total)
        var timestamp = ByteBuffer()
        RFC3339.write(nanoseconds: T.epoch, into: &timestamp)
        let logs = try items.filter { $0["message"] != nil }.map(T.canonical)
        XCTAssertEqual(logs.first, try T.canonical(["timestamp": String(buffer: timestamp), "message": "m0", "resource.service.name": "api"]))
        XCTAssertEqual(logs.count, 3)
        let points = try items.filter { $0["labels"] != nil }.map(T.canonical)
        XCTAssertEqual(points, try (0..<2).map {
            try T.canonical(["timestamp": String(buffer: timestamp), "name": "otel_disk", "labels": ["job": "test", "series": "\($0)"],
                             "kind": "gauge", "value": $0])
        })
        XCTAssertEqual(items.compactMap { $0["span_id"] as? String }.count, T.traceSpans)
        XCTAssertEqual(items.first { $0["span_id"] != nil }?["name"] as? String, "op0")
    }

    /// Records that do not decode are dropped as `buffer_corrupt`; the ones around them are delivered.
    func testAStoredRequestThatDoesNotDecodeIsDroppedAndCounted() async throws {
        let dataDirectory = try temporaryDirectory(self).path
        do {
            let buffer = try DiskBuffer(options: DiskBufferOptions(directory: "\(dataDirectory)/buffers/out", maxBytes: 256 << 20,
                                                                   fsync: .always))
            let (body, size) = OpenTelemetryCompressor(.gzip).body { $0.buffer.writeBytes(Self.spanRequest) }
            let spans = OpenTelemetryStoredPayload(signal: .traces, compression: .gzip, body: body, size: size, eventCount: T.traceSpans)
            var otherVersion = OpenTelemetryRecord.make(spans, lane: 0)
            otherVersion.metadata[0] = 9
            var damaged = OpenTelemetryRecord.make(spans, lane: 0)
            damaged.payload[damaged.payload.count / 2] ^= 0xFF
            for record in [otherVersion, OpenTelemetryRecord.make(spans, lane: 0), damaged] {
                XCTAssertNotNil(try buffer.tryAppend(record))
            }
            buffer.close()
        }
        let receiver = try await OTLPTestReceiver(self, directory: dataDirectory)
        let run = try await runOutput(OpenTelemetryOutputConfig.componentType, options: Self.options(endpoint: receiver.endpoint),
                                      dataDirectory: dataDirectory, batches: []) { metrics in
            metrics.sentEvents.load(ordering: .relaxed) >= T.traceSpans && storedEvents(metrics) == 0
        }
        XCTAssertEqual(T.dropped(run, "buffer_corrupt"), 2 * T.traceSpans)
        XCTAssertEqual(try T.receivedSpans(receiver), try T.spans(Self.spanRequest))
    }

    /// A batch is acknowledged once the request it is in is on disk; a request the full buffer
    /// refuses (`when_full: drop_newest`) acknowledges its batches as dropped, and is counted.
    func testAcknowledgesOnceStoredOrDroppedWhenFull() async throws {
        let buffer = try DiskBuffer(options: DiskBufferOptions(directory: try temporaryDirectory(self).path, maxBytes: 4096,
                                                               segmentBytes: 4096, fsync: .always))
        defer { buffer.close() }
        let metrics = ComponentMetrics(id: "out")
        let appender = DiskRequestAppender(
            buffer: buffer, whenFull: .dropNewest, name: "opentelemetry(out)", metrics: metrics,
            log: RateLimitedLogger(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        var shards = OpenTelemetryShards(
            count: 1, limits: DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 1 << 20, timeout: .seconds(60)), compression: .none,
            holdsAcknowledgements: true,
            submit: .init(logs: { $0.releaseBatches(await appender.store($0, lane: $1)) },
                          metrics: { $0.releaseBatches(await appender.store($0, lane: $1)) },
                          spans: { $0.releaseBatches(await appender.store($0, lane: $1)) }))
        let acks = AckRecorder()
        func add(_ batch: EventBatch) async {
            let batch = acks.attach(batch)
            await shards.add(batch, now: .now)
            batch.acknowledgements.release(.delivered)  // the inbox's hold, as `DeliveryInbox` lets go of it
        }
        for batch in try Self.batches(logs: 3, metrics: 3) { await add(batch) }
        XCTAssertEqual(acks.statuses, [], "held until stored")
        await shards.flushAll()
        XCTAssertEqual(acks.statuses, [.delivered, .delivered, .delivered])
        XCTAssertEqual(buffer.stats.events, 3 + 3 + T.traceSpans)

        await add(T.logBatch(0..<100))
        await shards.flushAll()
        XCTAssertEqual(acks.statuses.last, .dropped)
        XCTAssertEqual(T.dropped(metrics, "buffer_full"), 100)
        XCTAssertEqual(buffer.stats.events, 3 + 3 + T.traceSpans)
    }

    // MARK: Harness

    /// Runs the output over `batches` with nothing listening until all `total` items are on
    /// disk and an attempt failed, then stops it; nothing may be dropped.
    private func store(_ batches: [EventBatch], dataDirectory: String, total: Int, extra: String = "") async throws -> ComponentMetrics {
        let options = Self.options(endpoint: Self.down, "request_timeout: 200ms\n" + extra)
        let metrics = try await runOutput(OpenTelemetryOutputConfig.componentType, options: options,
                                          dataDirectory: dataDirectory, batches: batches) { metrics in
            storedEvents(metrics) == total && T.errors(metrics, "network") > 0
        }
        XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0, "kept on disk, not dropped")
        return metrics
    }

    /// Runs a new output on `dataDirectory` until all `total` items are sent and released.
    private func replay(_ options: String, dataDirectory: String, total: Int) async throws -> ComponentMetrics {
        try await runOutput(OpenTelemetryOutputConfig.componentType, options: options, dataDirectory: dataDirectory,
                            batches: []) { metrics in
            metrics.sentEvents.load(ordering: .relaxed) >= total && storedEvents(metrics) == 0
        }
    }
}

/// Completion statuses of acknowledgement tokens, in completion order.
private final class AckRecorder: Sendable {
    private let box = NIOLockedValueBox<[AckStatus]>([])
    var statuses: [AckStatus] { box.withLockedValue { $0 } }

    /// `batch` with a token of its own.
    func attach(_ batch: EventBatch) -> EventBatch {
        let token = AckToken { status in self.box.withLockedValue { $0.append(status) } }
        switch batch {
        case .logs(var b): b.acknowledgements.add(token); return .logs(b)
        case .metrics(var b): b.acknowledgements.add(token); return .metrics(b)
        case .spans(var b): b.acknowledgements.add(token); return .spans(b)
        }
    }
}
