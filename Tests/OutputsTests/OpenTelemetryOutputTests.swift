import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The opentelemetry output end to end against the strict OTLP test receiver
/// (`Support/otlp_receiver.py`, opentelemetry-proto's parser): spans byte for byte, logs and
/// metrics mapped, and the answers of the OTLP specification.
final class OpenTelemetryOutputTests: XCTestCase {
    private typealias T = OpenTelemetryOutputTesting

    /// Starts a receiver with `receiver` options, runs `static → opentelemetry` over `batches`
    /// until the pipeline ends.
    private func run(receiver options: [String] = [], output: String = "", batches: [EventBatch],
                     logs: LogCapture = LogCapture()) async throws -> (OTLPTestReceiver, ComponentMetrics, String) {
        let directory = try temporaryDirectory(self).path
        let receiver = try await OTLPTestReceiver(self, directory: directory, options: options)
        let topology = try await T.topology(self, options: "endpoint: \"\(receiver.endpoint)\"\n" + output, batches: batches,
                                            dataDirectory: directory, logs: logs)
        try await withTimeout(seconds: 30) { await topology.run() }
        return (receiver, T.metrics(topology), directory)
    }

    func testSpansPassThroughByteForByte() async throws {
        let request = T.bytes(hex: T.traceRequest)
        let (receiver, metrics, _) = try await run(batches: [.spans(try T.spanBatch(request)), .spans(try T.spanBatch(request))])
        let received = try receiver.requests("/v1/traces")
        XCTAssertEqual(received.map(\.status), [200])
        XCTAssertEqual(received.first?.body, request + request, "the two batches' bytes, one after the other")
        XCTAssertEqual(received.first?.headers["content-type"], "application/x-protobuf")
        XCTAssertEqual(received.first?.headers["content-encoding"], "gzip")
        XCTAssertEqual(received.first?.headers["user-agent"], "pipectl/0.1")
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 2 * T.traceSpans)
    }

    func testWithoutCompression() async throws {
        let request = T.bytes(hex: T.traceRequest)
        let (receiver, metrics, _) = try await run(output: "compression: none", batches: [.spans(try T.spanBatch(request))])
        let received = try receiver.requests("/v1/traces")
        XCTAssertEqual(received.map(\.status), [200])
        XCTAssertNil(received.first?.headers["content-encoding"])
        XCTAssertEqual(received.first?.body, request)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), T.traceSpans)
    }

    /// A 413 splits the request by spans until each part fits; every span arrives once, with
    /// its resource and scope, byte for byte, in order.
    func test413SplitsSpansExactly() async throws {
        let request = T.bytes(hex: T.traceRequest)
        let (receiver, metrics, _) = try await run(receiver: ["--max-bytes", "500"], output: "compression: none\nconcurrency: 1",
                                                   batches: [.spans(try T.spanBatch(request))])
        let received = try receiver.requests("/v1/traces")
        XCTAssertEqual(received.first?.status, 413)
        let delivered = try received.filter { $0.status == 200 }.flatMap { try T.spans($0.body ?? []) }
        XCTAssertEqual(delivered, try T.spans(request))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), T.traceSpans)
        XCTAssertEqual(T.errors(metrics, "http_4xx"), received.filter { $0.status == 413 }.count)
        XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0)
    }

    func test413SplitsLogs() async throws {
        let (receiver, metrics, _) = try await run(receiver: ["--max-bytes", "1000"], output: "compression: none\nconcurrency: 1",
                                                   batches: [T.logBatch(0..<200)])
        let messages = try receiver.requests("/v1/logs", status: 200).flatMap { request in
            (request.request?["resourceLogs"] as? [[String: Any]] ?? []).flatMap { resource in
                (resource["scopeLogs"] as? [[String: Any]] ?? []).flatMap { $0["logRecords"] as? [[String: Any]] ?? [] }
            }.map { ($0["body"] as? [String: Any])?["stringValue"] as? String ?? "" }
        }
        XCTAssertEqual(messages, (0..<200).map { "m\($0)" }, "every record once, in order")
        XCTAssertGreaterThan(try receiver.requests("/v1/logs", status: 413).count, 0)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 200)
    }

    func testRetries503AfterItsRetryAfterAndDeliversOnce() async throws {
        let request = T.bytes(hex: T.traceRequest)
        let (receiver, metrics, _) = try await run(receiver: ["--script", "503", "--retry-after", "1"],
                                                   batches: [.spans(try T.spanBatch(request))])
        let received = try receiver.requests("/v1/traces")
        XCTAssertEqual(received.map(\.status), [503, 200])
        XCTAssertGreaterThanOrEqual(received[1].at - received[0].at, 0.95, "Retry-After: 1 honoured")
        XCTAssertEqual(received[0].body, received[1].body)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), T.traceSpans)
        XCTAssertEqual(T.errors(metrics, "http_5xx"), 1)
    }

    func testRetries429And502And504() async throws {
        let (receiver, metrics, _) = try await run(receiver: ["--script", "429,502,504", "--retry-after", "0"],
                                                   batches: [T.logBatch(0..<5)])
        XCTAssertEqual(try receiver.requests("/v1/logs").map(\.status), [429, 502, 504, 200])
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 5)
    }

    /// A 400 is never retried: the records go to the dead-letter file with the receiver's
    /// `google.rpc.Status` message.
    func test400DeadLetters() async throws {
        let (receiver, metrics, directory) = try await run(receiver: ["--script", "400"], batches: [T.logBatch(0..<3)])
        XCTAssertEqual(try receiver.requests("/v1/logs").map(\.status), [400])
        let lines = T.deadLetters(directory)
        XCTAssertEqual(lines.count, 4)
        let header = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        let deadLetter = header?["dead_letter"] as? [String: Any]
        XCTAssertEqual(deadLetter?["status"] as? Int, 400)
        XCTAssertEqual(deadLetter?["url"] as? String, "\(receiver.endpoint)/v1/logs")
        XCTAssertEqual(deadLetter?["reason"] as? String, "opentelemetry(out): 400 from \(receiver.endpoint)/v1/logs: scripted 400")
        XCTAssertEqual(deadLetter?["response"] as? String, "scripted 400")
        XCTAssertTrue(lines[1].contains(#""message":"m0""#), lines[1])
        XCTAssertEqual(T.dropped(metrics, "rejected"), 3)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 0)
    }

    /// The OTLP specification: only 429, 502, 503 and 504 are retryable; a 500 is not.
    func test500IsNotRetried() async throws {
        let request = T.bytes(hex: T.traceRequest)
        let (receiver, metrics, directory) = try await run(receiver: ["--script", "500"], batches: [.spans(try T.spanBatch(request))])
        XCTAssertEqual(try receiver.requests("/v1/traces").map(\.status), [500])
        XCTAssertEqual(T.dropped(metrics, "rejected"), T.traceSpans)
        let spanLines = T.deadLetters(directory).dropFirst()
        XCTAssertEqual(spanLines.count, T.traceSpans, "one JSON line per span")
        XCTAssertTrue(spanLines.first?.contains(#""name":"op0""#) ?? false, spanLines.first ?? "")
    }

    func testPartialSuccessCountsTheRejectedAsDropped() async throws {
        let logs = LogCapture()
        let (receiver, metrics, _) = try await run(receiver: ["--partial", "2:quota exceeded"], output: "batch: { max_events: 5 }",
                                                   batches: [T.logBatch(0..<10)], logs: logs)
        XCTAssertEqual(try receiver.requests("/v1/logs").map(\.status), [200, 200])
        XCTAssertEqual(T.dropped(metrics, "rejected"), 4)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 6)
        XCTAssertEqual(T.errors(metrics, "partial_success"), 4)
        XCTAssertTrue(logs.messages.contains {
            $0.hasPrefix("opentelemetry(out): \(receiver.endpoint)/v1/logs rejected 2 of 5 log records: quota exceeded")
        }, "\(logs.messages)")
    }

    /// `logs_url` is used as given, over `endpoint` (which nothing listens on here).
    func testSignalURLOverridesEndpoint() async throws {
        let directory = try temporaryDirectory(self).path
        let receiver = try await OTLPTestReceiver(self, directory: directory)
        let topology = try await T.topology(self, options: """
            endpoint: "http://127.0.0.1:1"
            logs_url: "\(receiver.endpoint)/v1/logs"
            """, batches: [T.logBatch(0..<4)], dataDirectory: directory)
        try await withTimeout(seconds: 30) { await topology.run() }
        XCTAssertEqual(try receiver.requests("/v1/logs").map(\.status), [200])
        XCTAssertEqual(T.metrics(topology).sentEvents.load(ordering: .relaxed), 4)
    }
}
