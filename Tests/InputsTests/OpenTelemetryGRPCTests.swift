import Foundation
import Inputs
import Pipeline
import PipelineTesting
import XCTest

/// OTLP/gRPC (`grpc_listen`) against the real grpcio client and the OpenTelemetry SDK's gRPC
/// exporter (Tests/InputsTests/Support/otlp_grpc_client.py).
final class OpenTelemetryGRPCTests: XCTestCase {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Support/otlp_grpc_client.py").path
    static let traceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

    /// Starts the input with `options`; waits until it takes requests unless `tls` (its HTTP
    /// listener is then HTTPS, which the plain probe cannot speak).
    private func start(_ options: String = "", tls: Bool = false) async throws -> (RunningPipeline, Int) {
        guard (try? python(["-c", "import grpc, opentelemetry.exporter.otlp.proto.grpc"])) != nil else {
            throw XCTSkip("grpcio and the OpenTelemetry gRPC exporter are not installed (scripts/install-deps.sh installs them)")
        }
        let http = try freeLoopbackPort(), grpc = try freeLoopbackPort()
        let pipeline = try await RunningPipeline("""
        data_dir: \(NSTemporaryDirectory())pipectl-otlp-grpc-\(grpc)
        inputs:
          otel: { type: opentelemetry, listen: "127.0.0.1:\(http)", grpc_listen: "127.0.0.1:\(grpc)"\(options) }
        outputs:
          out: { type: capture, inputs: [otel.traces] }
        """, types: [OpenTelemetryInputConfig.componentType])
        addTeardownBlock { try? await pipeline.stop() }
        if tls { return (pipeline, grpc) }
        try await eventually("the receiver accepts") {
            (try? HTTPTestClient.request(port: http, "/v1/traces", method: "POST",
                                         headers: [("Content-Type", "application/x-protobuf"), ("Authorization", "Bearer t0ken")]))?.status == 200
        }
        return (pipeline, grpc)
    }

    func testTheSDKsGRPCExporterDeliversGzippedSpans() async throws {
        let (pipeline, port) = try await start()
        let answer = try python([Self.client, "sdk", String(port), "7"])
        XCTAssertEqual(answer["result"] as? String, "SUCCESS")
        try await eventually("7 spans") { pipeline.capture().eventCount == 7 }
        XCTAssertEqual(pipeline.capture().messages.count, 0, "spans, not log events")
    }

    func testBadCallsGetTheirGRPCStatusAndAreCounted() async throws {
        let (pipeline, port) = try await start(", tokens: [t0ken]")
        let unauthenticated = try python([Self.client, "raw", String(port), Self.traceExport, ""])
        XCTAssertEqual(unauthenticated["code"] as? String, "UNAUTHENTICATED")
        let (open, openPort) = try await start()
        let garbage = try python([Self.client, "raw", String(openPort), Self.traceExport, "0affffff0f0102"])
        XCTAssertEqual(garbage["code"] as? String, "INVALID_ARGUMENT")
        XCTAssertTrue((garbage["details"] as? String)?.contains("ExportTraceServiceRequest") == true, "\(garbage)")
        let unknown = try python([Self.client, "raw", String(openPort), "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export", ""])
        XCTAssertEqual(unknown["code"] as? String, "UNIMPLEMENTED")
        let empty = try python([Self.client, "raw", String(openPort), Self.traceExport, ""])
        XCTAssertEqual(empty["code"] as? String, "OK")
        XCTAssertEqual(empty["response"] as? String, "", "an empty ExportTraceServiceResponse: nothing was refused")
        XCTAssertEqual(pipeline.metrics("otel").errorCounts.first { $0.0 == "request_401" }?.1, 1)
        XCTAssertEqual(open.metrics("otel").errorCounts.first { $0.0 == "request_400" }?.1, 1)
        XCTAssertEqual(open.metrics("otel").errorCounts.first { $0.0 == "request_404" }?.1, 1)
    }

    func testTLSOffersH2ByALPNToTheSDKsExporter() async throws {
        let certs = try TLSTestCertificates(self)
        let (pipeline, port) = try await start(", tls: { cert: \"\(certs.serverCert)\", key: \"\(certs.serverKey)\" }", tls: true)
        var answer: [String: Any] = [:]
        // The listener is bound before `start` returns; the lanes take calls once the input runs.
        try await eventually("a call over TLS is taken") {
            answer = try python([Self.client, "sdk", String(port), "3", certs.ca])
            return answer["result"] as? String == "SUCCESS"
        }
        try await eventually("3 spans") { pipeline.capture().eventCount >= 3 }
    }

    /// Runs python3 with `arguments` (at most 60 s); its stdout as a JSON object.
    @discardableResult
    private func python(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe(), errors = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PipectlError("python3 \(arguments.first ?? ""): \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
