import Codecs
import Foundation
import Inputs
import Logging
import NIOCore
import Pipeline
import PipelineTesting
import XCTest

/// The `opentelemetry` input over real sockets: OTLP/HTTP answers, ports per signal, and bad
/// requests refused with their status, counted, and nothing else lost.
final class OpenTelemetryInputTests: XCTestCase {
    private var topology: Topology?
    private var runTask: Task<Void, Never>?

    override func tearDown() async throws {
        topology?.shutdown()
        await runTask?.value
    }

    /// Starts `otel (options) -> all (capture, every kind)` and `otel.traces -> traces (capture)`.
    private func start(_ options: String = "") async throws -> (port: Int, all: CapturingOutput, traces: CapturingOutput, metrics: ComponentMetrics) {
        let port = try freeLoopbackPort()
        let all = CapturingOutput(), traces = CapturingOutput()
        let components = TestComponents()
        components.provide("all", .output(all))
        components.provide("traces", .output(traces))
        var registry = components.registry
        registry.register(OpenTelemetryInputConfig.componentType)
        let yaml = """
        data_dir: \(NSTemporaryDirectory())pipectl-otlp-\(port)
        inputs:
          otel: { type: opentelemetry, listen: "127.0.0.1:\(port)"\(options.isEmpty ? "" : ", " + options) }
        outputs:
          all: { type: capture, inputs: [otel] }
          traces: { type: capture, inputs: [otel.traces] }
        """
        let outcome = ConfigLoader.load(text: yaml, file: "otel.yaml", registry: registry)
        let config = try XCTUnwrap(outcome.config, "\(outcome.errors)")
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        self.topology = topology
        runTask = Task { await topology.run() }
        let metrics = topology.telemetry.entries.first { $0.id == "otel" }!.metrics
        // Requests before the input's task has started are answered 503; wait until it takes them.
        try await eventually("the receiver accepts") {
            (try? self.post(port, "/v1/traces", OTLPTestRequests.traces(spans: 0), auth: options.contains("tokens")))?.status == 200
        }
        return (port, all, traces, metrics)
    }

    private func post(_ port: Int, _ path: String, _ body: [UInt8], type: String = "application/x-protobuf",
                      headers: [(String, String)] = [], auth: Bool = false) throws -> HTTPTestClient.Response {
        var all = [("Content-Type", type)] + headers
        if auth { all.append(("Authorization", "Bearer t0ken")) }
        return try HTTPTestClient.request(port: port, path, method: "POST", headers: all, body: body)
    }

    func testSpansPassAsTheBytesTheyCameInOnTheDefaultAndTracesPorts() async throws {
        let (port, all, traces, metrics) = try await start()
        let request = OTLPTestRequests.traces(spans: 3)
        let response = try post(port, "/v1/traces", request)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "application/x-protobuf")
        XCTAssertEqual(response.body, "", "a full success is an empty ExportTraceServiceResponse")
        try await eventually("3 spans on each port") { all.eventCount == 3 && traces.eventCount == 3 }
        guard case .spans(let spans) = traces.batches.last else { return XCTFail("expected spans") }
        XCTAssertEqual(spans.withBytes { Array($0) }, request, "spans are kept encoded, byte for byte")
        XCTAssertEqual(spans.resourceCount, 1)
        XCTAssertEqual(metrics.receivedEvents.load(ordering: .relaxed), 3)
    }

    /// A body arriving in pieces of any size is the same body: whole, a byte at a time, and in
    /// random chunks (seeded), each request's spans arrive byte for byte.
    func testBodiesSplitIntoAnyChunksDecodeTheSame() async throws {
        let (port, _, traces, _) = try await start()
        let request = OTLPTestRequests.traces(spans: 7)
        var random = SplitMix64(seed: 12)
        let chunkings = [0, 1] + (0..<6).map { _ in Int(random.next() % 97) + 2 }
        for chunk in chunkings {
            XCTAssertEqual(try HTTPTestClient.request(port: port, "/v1/traces", method: "POST",
                                                      headers: [("Content-Type", "application/x-protobuf")],
                                                      body: request, chunkSize: chunk).status, 200, "chunks of \(chunk)")
        }
        try await eventually("every request's spans") { traces.eventCount == 7 * chunkings.count }
        for case .spans(let spans) in traces.batches {
            XCTAssertEqual(spans.withBytes { Array($0) }, request)
        }
    }

    func testJSONWithUnknownFieldsAndGzipAreTakenAndAnsweredInKind() async throws {
        let (port, _, traces, _) = try await start()
        let json = """
        {"resourceSpans":[{"resource":{"attributes":[]},"futureField":{"x":[1,2]},"scopeSpans":[{"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /","kind":2,"unknown":true,
        "startTimeUnixNano":"1","endTimeUnixNano":2}]}]}]}
        """
        let response = try post(port, "/v1/traces", Array(json.utf8), type: "application/json")
        XCTAssertEqual(response.status, 200, response.body)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertEqual(response.body, "{}")
        var gzip = ByteBuffer()
        Gzip().compress(ByteBuffer(bytes: OTLPTestRequests.traces(spans: 2)), into: &gzip)
        let zipped = try post(port, "/v1/traces", Array(buffer: gzip), headers: [("Content-Encoding", "gzip")])
        XCTAssertEqual(zipped.status, 200, zipped.body)
        try await eventually("1 + 2 spans") { traces.eventCount == 3 }
    }

    func testLogsAndMetricsGoToTheirPortsOnlyAndARejectedPointIsAPartialSuccess() async throws {
        let (port, all, traces, metrics) = try await start()
        let logs = try post(port, "/v1/logs", OTLPTestRequests.logs(["first", "second"]))
        XCTAssertEqual(logs.status, 200)
        let points = try post(port, "/v1/metrics", OTLPTestRequests.gauges([("queue_depth", 3), ("", 1)]), type: "application/x-protobuf")
        XCTAssertEqual(points.status, 200)
        XCTAssertTrue(points.body.contains("metric"), "the partial success says why: \(points.body)")
        let allRejected = try post(port, "/v1/metrics", OTLPTestRequests.gauges([("", 1)]))
        XCTAssertEqual(allRejected.status, 200, "refused points are a partial success, not an error")
        try await eventually("2 logs and 1 metric") { all.eventCount == 3 }
        XCTAssertEqual(all.messages.sorted(), ["first", "second"])
        XCTAssertEqual(traces.eventCount, 0, "otel.traces carries spans only")
        XCTAssertEqual(metrics.dropCounter("rejected").load(ordering: .relaxed), 2)
    }

    func testBadRequestsGetTheirStatusAreCountedAndLoseNothingElse() async throws {
        let (port, all, _, metrics) = try await start("max_body_bytes: 4KiB")
        let garbage = try post(port, "/v1/traces", [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2])
        XCTAssertEqual(garbage.status, 400)
        XCTAssertTrue(garbage.body.contains("ExportTraceServiceRequest"), garbage.body)
        let badJSON = try post(port, "/v1/logs", Array("{\"resourceLogs\":[".utf8), type: "application/json")
        XCTAssertEqual(badJSON.status, 400)
        XCTAssertTrue(badJSON.body.hasPrefix("{\"code\":3,\"message\":"), badJSON.body)
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), type: "text/plain").status, 415)
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), type: "").status, 415)
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), type: ";").status, 415)
        let jsonNotFound = try post(port, "/v1/nope", Array("{}".utf8), type: "application/json")
        XCTAssertEqual(jsonNotFound.status, 404)
        XCTAssertEqual(jsonNotFound.header("Content-Type"), "application/json", "refused in the encoding the request announced")
        XCTAssertTrue(jsonNotFound.body.hasPrefix("{\"code\":3,"), jsonNotFound.body)
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), headers: [("Content-Encoding", "br")]).status, 415)
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), headers: [("Content-Encoding", "gzip")]).status, 400)
        XCTAssertEqual(try post(port, "/v1/spans", OTLPTestRequests.traces(spans: 1)).status, 404)
        XCTAssertEqual(try HTTPTestClient.request(port: port, "/v1/traces").status, 405)
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 200)).status, 413)
        var bomb = ByteBuffer()
        Gzip().compress(ByteBuffer(repeating: 0, count: 64 * 1024), into: &bomb)
        XCTAssertLessThan(bomb.readableBytes, 4096)
        XCTAssertEqual(try post(port, "/v1/traces", Array(buffer: bomb), headers: [("Content-Encoding", "gzip")]).status, 413,
                       "the limit holds once decompressed")
        let ok = try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 2))
        XCTAssertEqual(ok.status, 200)
        try await eventually("the good request's 2 spans") { all.eventCount == 2 }
        func refused(_ status: Int) -> Int { metrics.errorCounter("request_\(status)").load(ordering: .relaxed) }
        XCTAssertEqual(refused(400), 3)
        XCTAssertEqual(refused(415), 4)
        XCTAssertEqual(refused(413), 2)
        XCTAssertEqual(refused(404), 2)
        XCTAssertEqual(refused(405), 1)
    }

    func testBearerTokensAreRequiredWhenConfigured() async throws {
        let (port, all, _, metrics) = try await start("tokens: [t0ken]")
        let refused = try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), headers: [("Authorization", "Bearer wrong")])
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(refused.header("WWW-Authenticate"), "Bearer")
        XCTAssertEqual(try post(port, "/v1/traces", OTLPTestRequests.traces(spans: 1), auth: true).status, 200)
        try await eventually("one span") { all.eventCount == 1 }
        XCTAssertEqual(metrics.errorCounter("request_401").load(ordering: .relaxed), 1)
    }
}
