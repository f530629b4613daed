@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The opentelemetry output's options: every mistake reported at its place, with its exact text.
final class OpenTelemetryOutputConfigTests: XCTestCase {
    private func load(_ options: String) -> ConfigLoader.Outcome {
        let registry = ComponentRegistry(TestComponents().registry.types + [OpenTelemetryOutputConfig.componentType])
        return ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              out:
                type: opentelemetry
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
    }

    private func config(_ options: String) throws -> OpenTelemetryOutputConfig {
        let outcome = load(options)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        return try XCTUnwrap(outcome.config?.component("out")?.config as? OpenTelemetryOutputConfig)
    }

    func testBadOptionsArePositioned() {
        let outcome = load("""
            endpoint: "grpc://collector:4317"
            traces_url: "http://user:secret@tempo:4318/v1/traces"
            compression: snappy
            headers: { Content-Encoding: zstd, X-Api-Key: k }
            batch: { max_bytes: 32MiB }
            url: "http://collector:4318"
            buffer: { type: disk, fsync: sometimes }
            """)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "test.yaml:7:15: outputs.out.endpoint: expected an http:// or https:// URL, got 'grpc://collector:4317'",
            "test.yaml:8:17: outputs.out.traces_url: credentials in the URL are not supported; use auth: {username, password} or auth: {bearer_token}",
            "test.yaml:9:18: outputs.out.compression: expected one of gzip, none, got 'snappy'",
            "test.yaml:10:14: outputs.out.headers: 'Content-Encoding' is set by the output itself and cannot be overridden",
            "test.yaml:11:25: outputs.out.batch.max_bytes: must be at most 20MiB (the OpenTelemetry Collector refuses OTLP/HTTP bodies over 20MiB by default)",
            "test.yaml:12:5: outputs.out.url: unknown option 'url' (allowed: auth, batch, buffer, compression, concurrency, dead_letter, endpoint, headers, inputs, logs_url, metrics_url, request_timeout, retry, tls, traces_url, type)",
            "test.yaml:13:34: outputs.out.buffer.fsync: expected one of always, interval, got 'sometimes'",
        ])
    }

    /// `buffer: {type: disk}` keeps the requests of every signal on disk (`OpenTelemetryRecord`).
    func testDiskBufferIsAccepted() {
        let outcome = load("endpoint: \"http://c:4318\"\nbuffer: { type: disk, max_size: 64MiB, fsync: always, when_full: drop_newest }")
        XCTAssertEqual(outcome.errors.map(\.description), [])
        let buffer = outcome.config?.component("out")?.buffer
        XCTAssertEqual(buffer?.kind, .disk)
        XCTAssertEqual(buffer?.diskMaxBytes, 64 * 1024 * 1024)
        XCTAssertEqual(buffer?.fsync, .always)
    }

    func testNeedsAnEndpointOrEverySignalsURL() {
        XCTAssertEqual(load("compression: none").errors.map(\.description),
                       ["test.yaml:5:5: outputs.out: missing required option 'endpoint' (or logs_url, metrics_url, traces_url)"])
        XCTAssertEqual(load("traces_url: \"http://tempo:4318/v1/traces\"").errors.map(\.description),
                       ["test.yaml:5:5: outputs.out: missing required option 'endpoint' (or logs_url, metrics_url)"])
        XCTAssertEqual(load("logs_url: \"http://a/l\"\nmetrics_url: \"http://a/m\"\ntraces_url: \"http://a/t\"").errors, [])
    }

    /// The signal's path goes after the endpoint's own path, as `OTEL_EXPORTER_OTLP_ENDPOINT`;
    /// a signal's URL is used as given.
    func testSignalURLs() throws {
        XCTAssertEqual(try config("endpoint: \"http://collector:4318\"").urls,
                       [.logs: "http://collector:4318/v1/logs", .metrics: "http://collector:4318/v1/metrics",
                        .traces: "http://collector:4318/v1/traces"])
        XCTAssertEqual(try config("endpoint: \"https://gw.example/otlp/?tenant=a\"").urls[.metrics],
                       "https://gw.example/otlp/v1/metrics?tenant=a")
        let overridden = try config("endpoint: \"http://collector:4318/\"\ntraces_url: \"http://tempo:4318/custom\"")
        XCTAssertEqual(overridden.urls[.logs], "http://collector:4318/v1/logs")
        XCTAssertEqual(overridden.urls[.traces], "http://tempo:4318/custom")
        XCTAssertEqual(overridden.http(for: .traces).url, "http://tempo:4318/custom")
    }

    func testDefaultsAndHeaders() throws {
        let gzip = try config("endpoint: \"http://c:4318\"\nheaders: { X-Api-Key: k }\nauth: { bearer_token: t }")
        XCTAssertEqual(gzip.compression, .gzip)
        XCTAssertEqual(gzip.delivery.batch, DeliveryBatchLimits(maxEvents: 8192, maxBytes: 4 * 1024 * 1024, timeout: .seconds(1)))
        XCTAssertEqual(gzip.delivery.concurrency, 2)
        XCTAssertEqual(gzip.protocolHeaders.map { "\($0.0): \($0.1)" },
                       ["Content-Type: application/x-protobuf", "User-Agent: pipectl/0.1", "Content-Encoding: gzip"])
        XCTAssertEqual(gzip.http.authorization, "Bearer t")
        XCTAssertEqual(gzip.http.headers.map(\.0), ["X-Api-Key"])
        let none = try config("endpoint: \"http://c:4318\"\ncompression: none")
        XCTAssertFalse(none.protocolHeaders.contains { $0.0 == "Content-Encoding" })
    }
}
