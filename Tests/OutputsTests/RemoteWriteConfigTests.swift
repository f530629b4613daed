import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

final class RemoteWriteConfigTests: XCTestCase {
    private let registry = ComponentRegistry(TestComponents().registry.types + [RemoteWriteOutputConfig.componentType])

    private func load(_ options: String, input: String = "metric_source") -> ConfigLoader.Outcome {
        ConfigLoader.load(text: """
            inputs:
              src: { type: \(input) }
            outputs:
              rw:
                type: prometheus_remote_write
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "p.yaml", registry: registry)
    }

    /// The errors without their `file:line:col: ` prefix.
    private func errors(_ options: String, input: String = "metric_source") -> [String] {
        load(options, input: input).errors.map { error in
            let text = error.description
            let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            return parts.count == 4 ? String(parts[3].dropFirst()) : text
        }
    }

    private func config(_ options: String) throws -> RemoteWriteOutputConfig {
        let outcome = load(options)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        let declaration = try XCTUnwrap(outcome.config?.component("rw"))
        return try XCTUnwrap(declaration.config as? RemoteWriteOutputConfig)
    }

    func testDefaults() throws {
        let c = try config("url: http://127.0.0.1:8428/api/v1/write")
        XCTAssertEqual(c.http.url, "http://127.0.0.1:8428/api/v1/write")
        XCTAssertEqual(c.delivery.batch, DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 4 * 1024 * 1024, timeout: .seconds(1)))
        XCTAssertEqual(c.delivery.concurrency, 2)
        XCTAssertEqual(c.delivery.requestTimeout, .seconds(30))
        XCTAssertEqual(c.delivery.retry, DeliveryRetryLogic.Policy(initialBackoff: .milliseconds(250), maxBackoff: .seconds(30), maxDuration: .zero))
        XCTAssertEqual(c.delivery.deadLetterMaxSize, 100 * 1024 * 1024)
        XCTAssertNil(c.http.auth)
        XCTAssertNil(c.http.tls)
        XCTAssertEqual(RemoteWriteOutputConfig.componentType.name, "prometheus_remote_write")
    }

    func testEveryOption() throws {
        let c = try config("""
            url: https://vm.example:8428/api/v1/write
            auth: { bearer_token: s3cret }
            headers: { X-Scope-OrgID: team-a }
            batch: { max_events: 500, max_bytes: 1MiB, timeout: 250ms }
            concurrency: 4
            request_timeout: 5s
            retry: { initial_backoff: 100ms, max_backoff: 10s, max_duration: 10m }
            dead_letter: { max_size: 10MiB }
            tls: { ca: /etc/ca.pem, server_name: vm.internal, verify: false }
            compression: snappy
            buffer: { type: memory, max_events: 1000 }
            """)
        XCTAssertEqual(c.http.auth, .bearer("s3cret"))
        XCTAssertEqual(c.http.authorization, "Bearer s3cret")
        XCTAssertEqual(c.http.headers.map { "\($0.0)=\($0.1)" }, ["X-Scope-OrgID=team-a"])
        XCTAssertEqual(c.delivery.batch, DeliveryBatchLimits(maxEvents: 500, maxBytes: 1024 * 1024, timeout: .milliseconds(250)))
        XCTAssertEqual(c.delivery.concurrency, 4)
        XCTAssertEqual(c.delivery.requestTimeout, .seconds(5))
        XCTAssertEqual(c.delivery.retry, .init(initialBackoff: .milliseconds(100), maxBackoff: .seconds(10), maxDuration: .seconds(600)))
        XCTAssertEqual(c.delivery.deadLetterMaxSize, 10 * 1024 * 1024)
        XCTAssertEqual(c.http.tls?.ca, "/etc/ca.pem")
        XCTAssertEqual(c.http.tls?.serverName, "vm.internal")
        XCTAssertEqual(c.http.tls?.verify, false)
    }

    func testBasicAuthHeader() throws {
        let c = try config("url: http://h/w\nauth: { username: Aladdin, password: open sesame }")
        XCTAssertEqual(c.http.authorization, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "RFC 7617's example")
    }

    func testBadOptionsAreAllReported() {
        XCTAssertEqual(errors("""
            url: ftp://nowhere
            auth: { bearer_token: t, username: u }
            headers: { Content-Type: text/plain, "bad name": x }
            batch: { max_events: 0, max_bytes: 64MiB, timeout: soon, max_size: 1 }
            concurrency: 0
            retry: { initial_backoff: 2s, max_backoff: 1s }
            dead_letter: { max_size: 100, keep: 2 }
            tls: { cert: /c.pem }
            compression: gzip
            """), [
                "outputs.rw.url: expected an http:// or https:// URL, got 'ftp://nowhere'",
                "outputs.rw.auth.bearer_token: use either bearer_token or username/password, not both",
                "outputs.rw.headers: 'Content-Type' is set by the output itself and cannot be overridden",
                "outputs.rw.headers: 'bad name' is not a valid header name",
                "outputs.rw.batch.max_events: expected an integer between 1 and 10000000, got '0'",
                "outputs.rw.batch.max_bytes: must be at most 32MiB (VictoriaMetrics refuses remote-write bodies over 32MiB)",
                "outputs.rw.batch.timeout: expected a duration like \"15s\" or \"500ms\", got 'soon'",
                "outputs.rw.batch.max_size: unknown option 'max_size' (allowed: max_bytes, max_events, timeout)",
                "outputs.rw.concurrency: expected an integer between 1 and 256, got '0'",
                "outputs.rw.retry.max_backoff: must be at least initial_backoff (2s), got 1s",
                "outputs.rw.dead_letter.max_size: must be at least 1KiB, got 100 bytes",
                "outputs.rw.dead_letter.keep: unknown option 'keep' (allowed: max_size)",
                "outputs.rw.tls.cert: 'cert' and 'key' go together: a client certificate needs its key",
                "outputs.rw.compression: expected one of snappy, got 'gzip'",
            ])
    }

    func testURLIsRequiredAndHoldsNoCredentials() {
        XCTAssertEqual(errors("concurrency: 1"), ["outputs.rw: missing required option 'url'"])
        XCTAssertEqual(errors("url: http://user:pw@h:8428/api/v1/write"), [
            "outputs.rw.url: credentials in the URL are not supported; use auth: {username, password} or auth: {bearer_token}",
        ])
        XCTAssertEqual(errors("url: http://h/w\nauth: { username: u }"), ["outputs.rw.auth.username: basic auth needs both username and password"])
        XCTAssertEqual(errors("url: http://h/w\nauth: { bearer_token: t }\nheaders: { authorization: x }"),
                       ["outputs.rw.headers: 'authorization' conflicts with auth:; set one of them"])
    }

    func testDiskBufferOptions() throws {
        XCTAssertTrue(RemoteWriteOutputConfig.componentType.supportsDiskBuffer)
        let outcome = load("url: http://127.0.0.1:8428/api/v1/write\nbuffer: { type: disk, max_size: 64MiB, fsync: always, when_full: drop_newest }")
        XCTAssertEqual(outcome.errors.map(\.description), [])
        let buffer = try XCTUnwrap(outcome.config?.component("rw")).buffer
        XCTAssertEqual(buffer.kind, .disk)
        XCTAssertEqual(buffer.diskMaxBytes, 64 << 20)
        XCTAssertEqual(buffer.fsync, .always)
        XCTAssertEqual(buffer.whenFull, .dropNewest)
    }

    func testAcceptsOnlyMetrics() {
        XCTAssertEqual(errors("url: http://h/w", input: "sequence"),
                       ["outputs.rw.inputs: 'src' (sequence) produces logs but prometheus_remote_write 'rw' accepts only metrics"])
    }

    func testUnreadableTLSFilesFailTheBuildNamingTheFile() throws {
        let config = try XCTUnwrap(load("url: https://h/w\ntls: { ca: /nonexistent/ca.pem }").config)
        XCTAssertThrowsError(try Topology(config: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))) { error in
            XCTAssertTrue("\(error)".hasPrefix("outputs.rw: tls.ca: cannot load /nonexistent/ca.pem: "), "\(error)")
        }
    }
}
