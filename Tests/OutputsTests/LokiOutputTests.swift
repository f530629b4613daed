import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The loki output end to end against a strict Loki receiver: every entry once, in order per
/// stream; retries, splits and dead letters where Loki's answers call for them.
final class LokiOutputTests: XCTestCase {
    private typealias T = LokiOutputTesting

    /// Runs `static → loki` over `batches` until the pipeline ends.
    private func run(_ receiver: LokiStrictReceiver, options: String, batches: [EventBatch],
                     dataDirectory: String? = nil) async throws -> ComponentMetrics {
        let port = try await receiver.start()
        let topology = try await T.topology(self, port: port, options: options, batches: batches, dataDirectory: dataDirectory)
        try await withTimeout(seconds: 30) { await topology.run() }
        return T.metrics(topology)
    }

    private func assertAllDelivered(_ receiver: LokiStrictReceiver, _ metrics: ComponentMetrics, count: Int, apps: Int = 3,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(receiver.streams, T.expected(0..<count, apps: apps), "every entry once, each stream in order", file: file, line: line)
        XCTAssertEqual(receiver.requests.filter { $0.status == 400 }.map(\.answer), [], file: file, line: line)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), count, file: file, line: line)
        XCTAssertEqual(metrics.dropCounts.map(\.1).reduce(0, +), 0, file: file, line: line)
    }

    func testProtobufWithTenantSortsEachStreamInAPush() async throws {
        let receiver = LokiStrictReceiver()
        receiver.requireTenant = "team-a"
        // One batch per push (one lane, 100 events each), every batch newest first.
        let metrics = try await run(receiver, options: T.labels + "\ntenant: team-a\nconcurrency: 1\nbatch: { max_events: 100 }",
                                    batches: T.batches(0..<1000, newestFirst: true))
        assertAllDelivered(receiver, metrics, count: 1000)
        XCTAssertEqual(receiver.requests.count, 10)
        for request in receiver.requests {
            XCTAssertEqual(request.headers.first(name: "Content-Type"), "application/x-protobuf")
            XCTAssertEqual(request.headers.first(name: "X-Scope-OrgID"), "team-a")
            XCTAssertEqual(Set(request.streams.map(\.labels)).count, request.streams.count, "a stream once per push")
            for stream in request.streams {
                XCTAssertEqual(stream.entries.map(\.timestamp), stream.entries.map(\.timestamp).sorted(), "sorted within the push")
                XCTAssertTrue(stream.labels.hasPrefix("{app=\"app"), "labels sorted by name: \(stream.labels)")
            }
        }
        await receiver.stop()
    }

    func testJSONWithGzip() async throws {
        let receiver = LokiStrictReceiver()
        let metrics = try await run(receiver, options: T.labels + "\nencoding: json\nbatch: { max_events: 64 }",
                                    batches: T.batches(0..<500))
        assertAllDelivered(receiver, metrics, count: 500)
        XCTAssertEqual(Set(receiver.requests.map { $0.headers.first(name: "Content-Encoding") }), ["gzip"])
        XCTAssertEqual(Set(receiver.requests.map { $0.headers.first(name: "Content-Type") }), ["application/json"])
        await receiver.stop()
    }

    func testJSONWithoutCompression() async throws {
        let receiver = LokiStrictReceiver()
        let metrics = try await run(receiver, options: T.labels + "\nencoding: json\ncompression: none", batches: T.batches(0..<200))
        assertAllDelivered(receiver, metrics, count: 200)
        XCTAssertEqual(Set(receiver.requests.map { $0.headers.first(name: "Content-Encoding") }), [nil])
        await receiver.stop()
    }

    /// Four lanes in flight; the receiver refuses any entry older than its stream's last
    /// (ordered writes), so one out-of-order push across requests would show as a 400.
    func testConcurrencyKeepsEachStreamInOrderAcrossPushes() async throws {
        let receiver = LokiStrictReceiver()
        let metrics = try await run(receiver, options: T.labels + "\nconcurrency: 4\nbatch: { max_events: 50 }",
                                    batches: T.batches(0..<4000, apps: 8))
        assertAllDelivered(receiver, metrics, count: 4000, apps: 8)
        XCTAssertGreaterThan(receiver.requests.count, 40)
        XCTAssertEqual(Set(receiver.requests.flatMap { $0.streams.map(\.labels) }).count, 8)
        await receiver.stop()
    }

    func testRetriesA429AfterItsRetryAfter() async throws {
        let receiver = LokiStrictReceiver()
        receiver.script([.init(status: .tooManyRequests, headers: [("Retry-After", "1")],
                               body: "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec)")])
        let metrics = try await run(receiver, options: T.labels + "\nconcurrency: 1", batches: T.batches(0..<100))
        assertAllDelivered(receiver, metrics, count: 100)
        let requests = receiver.requests
        XCTAssertEqual(requests.map(\.status), [429, 204])
        XCTAssertGreaterThanOrEqual(requests[0].at.duration(to: requests[1].at), .milliseconds(950), "Retry-After: 1 honoured")
        XCTAssertEqual(requests[0].body, requests[1].body, "the same push again")
        XCTAssertEqual(T.errors(metrics, "http_429"), 1)
        await receiver.stop()
    }

    func testRetries5xx() async throws {
        let receiver = LokiStrictReceiver()
        receiver.script([.init(status: .serviceUnavailable, body: "empty ring"), .init(status: .badGateway)])
        let metrics = try await run(receiver, options: T.labels + "\nconcurrency: 1", batches: T.batches(0..<100))
        assertAllDelivered(receiver, metrics, count: 100)
        XCTAssertEqual(receiver.requests.map(\.status), [503, 502, 204])
        XCTAssertEqual(T.errors(metrics, "http_5xx"), 2)
        await receiver.stop()
    }

    /// Loki's 500 for a push over its gRPC limit splits the push instead of sending it again.
    func testSplitsAPushOverLokisGRPCLimit() async throws {
        let receiver = LokiStrictReceiver()
        receiver.maxMessageBytes = 3000
        let metrics = try await run(receiver, options: T.labels + "\nconcurrency: 1", batches: T.batches(0..<500))
        assertAllDelivered(receiver, metrics, count: 500)
        let statuses = receiver.requests.map(\.status)
        XCTAssertEqual(statuses.first, 500)
        XCTAssertTrue(receiver.requests.filter { $0.status == 500 }.allSatisfy { $0.answer.contains("larger than max") })
        XCTAssertFalse(zip(receiver.requests, receiver.requests.dropFirst()).contains { $0.status == 500 && $0.body == $1.body },
                       "never the same body after a 500 of the gRPC limit")
        XCTAssertEqual(T.errors(metrics, "http_5xx"), statuses.filter { $0 == 500 }.count)
        await receiver.stop()
    }

    /// JSON escapes make a push larger than the batch estimate: it is split before it goes.
    func testSplitsAPushOverMaxBytesBeforeSending() async throws {
        let receiver = LokiStrictReceiver()
        var batch = LogBatch()
        for id in 0..<40 {
            batch.append(timestamp: T.epoch + Int64(id), message: String(repeating: "\"", count: 200))
            batch.setField(id, .known(.appname), .bytes(batch.store("app")))
        }
        let metrics = try await run(receiver, options: #"labels: { app: "{{ appname }}" }"# + "\nencoding: json\ncompression: none\nbatch: { max_bytes: 2KiB }",
                                    batches: [.logs(batch)])
        XCTAssertEqual(receiver.streams[#"{app="app"}"#]?.count, 40)
        XCTAssertEqual(Set(receiver.requests.map(\.status)), [204])
        for request in receiver.requests {
            XCTAssertTrue(request.body.count <= 2048 || request.streams.first?.entries.count == 1, "\(request.body.count) bytes")
        }
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 40)
        await receiver.stop()
    }
}
