import AsyncHTTPClient
@testable import Inputs
import NIOSSL
import Pipeline
import PipelineTesting
import XCTest

/// `prometheus_scrape`'s client `tls` against an HTTPS target: the CA, `verify: false`, a client
/// certificate the target requires, and `server_name`.
final class PrometheusScrapeTLSTests: XCTestCase {
    private static let page = "# TYPE temperature gauge\ntemperature 21.5\n"

    private var certs: TLSTestCertificates!

    override func setUp() async throws {
        certs = try TLSTestCertificates(self)
    }

    /// An HTTPS target serving `page` at `/metrics` with the certificate for 127.0.0.1 (or, with
    /// `named`, the one naming only `scrape.test`); with `requireClientCertificate`, only to clients
    /// presenting a certificate signed by the test CA.
    private func target(named: Bool = false, requireClientCertificate: Bool = false) async throws -> PrometheusScrapeTestServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(named ? certs.namedServerCert : certs.serverCert)
                .map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: named ? certs.namedServerKey : certs.serverKey, format: .pem)))
        if requireClientCertificate {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certs.ca))
            tls.certificateVerification = .noHostnameVerification
        }
        let server = try await PrometheusScrapeTestServer(tls: tls)
        server.set("/metrics", .init(Self.page))
        addTeardownBlock { await server.stop() }
        return server
    }

    /// Scrapes `https://127.0.0.1:port/metrics` once with `tls` options (a YAML flow mapping, or
    /// nil) and checks the outcome: `up` 1 with the page's sample and the target's `instance`, no
    /// error; or `up` 0, no sample and one `errors{kind="scrape"}`.
    private func assertScrape(_ server: PrometheusScrapeTestServer, tls: String?, succeeds: Bool,
                              file: StaticString = #filePath, line: UInt = #line) async throws {
        let pipeline = try await RunningPipeline.scrape(
            "targets: [\"https://127.0.0.1:\(server.port)/metrics\"], interval: 5s, timeout: 4s" + (tls.map { ", tls: \($0)" } ?? ""))
        try await eventually { !pipeline.scrapes.isEmpty }
        let errors = pipeline.metrics("scrape").errorCounter("scrape").load(ordering: .relaxed)
        let samples = pipeline.scrapes[0]
        try await pipeline.stop()
        let context = "tls: \(tls ?? "none"): \(samples)"
        XCTAssertEqual(samples.value("up"), succeeds ? 1 : 0, context, file: file, line: line)
        XCTAssertEqual(samples.value("temperature"), succeeds ? 21.5 : nil, context, file: file, line: line)
        XCTAssertEqual(samples.first?.labels["instance"], "127.0.0.1:\(server.port)", context, file: file, line: line)
        XCTAssertEqual(errors, succeeds ? 0 : 1, context, file: file, line: line)
    }

    func testTheCAVerifiesTheTarget() async throws {
        try await assertScrape(try await target(), tls: "{ ca: \(certs.ca) }", succeeds: true)
    }

    func testWithoutTheCATheScrapeFailsAndCountsAnError() async throws {
        try await assertScrape(try await target(), tls: nil, succeeds: false)
    }

    func testTheFailureSaysTheCertificateIsNotTrusted() async throws {
        let server = try await target()
        let target = try XCTUnwrap(PrometheusScrapeTarget(address: "https://127.0.0.1:\(server.port)/metrics", scheme: "http",
                                                          metricsPath: "/metrics", query: "", job: "j", labels: []))
        let reason = try await PrometheusScraper.failureReason(scraping: target, tls: .makeClientConfiguration())
        XCTAssertEqual(reason, "TLS handshake failed: CERTIFICATE_VERIFY_FAILED")
    }

    func testVerifyFalseSkipsVerification() async throws {
        try await assertScrape(try await target(), tls: "{ verify: false }", succeeds: true)
    }

    func testAClientCertificateTheTargetRequires() async throws {
        let server = try await target(requireClientCertificate: true)
        try await assertScrape(server, tls: "{ ca: \(certs.ca), cert: \(certs.clientCert), key: \(certs.clientKey) }", succeeds: true)
        try await assertScrape(server, tls: "{ ca: \(certs.ca) }", succeeds: false)
    }

    func testServerNameIsTheNameVerified() async throws {
        // The certificate names only scrape.test; the connection still goes to 127.0.0.1.
        let server = try await target(named: true)
        try await assertScrape(server, tls: "{ ca: \(certs.ca), server_name: scrape.test }", succeeds: true)
        XCTAssertEqual(server.requests.first?.first(name: "Host"), "scrape.test:\(server.port)")
        try await assertScrape(server, tls: "{ ca: \(certs.ca) }", succeeds: false)
        try await assertScrape(server, tls: "{ ca: \(certs.ca), server_name: other.example }", succeeds: false)
    }

    func testTLSOptionErrorsAreReportedAtTheirKeys() {
        var registry = TestComponents().registry
        registry.register(PrometheusScrapeInputConfig.componentType)
        let outcome = ConfigLoader.load(text: """
            inputs:
              scrape: { type: prometheus_scrape, targets: ["h:1"], tls: { cert: c.pem, verfy: false } }
            outputs:
              out: { type: capture, inputs: [scrape] }
            """, file: "p.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "p.yaml:2:69: inputs.scrape.tls.cert: 'cert' and 'key' go together: a client certificate needs its key",
            "p.yaml:2:76: inputs.scrape.tls.verfy: unknown option 'verfy'; did you mean 'verify'? (allowed: ca, cert, key, server_name, verify)",
        ])
    }

    func testAMissingCAFileFailsTheBuildNamingIt() async throws {
        do {
            _ = try await RunningPipeline.scrape("targets: [\"https://127.0.0.1:1/metrics\"], tls: { ca: /nonexistent/ca.pem }")
            XCTFail("the pipeline was built")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("inputs.scrape: tls.ca: cannot load /nonexistent/ca.pem: "), "\(error)")
        }
    }
}

extension PrometheusScraper {
    /// Why one scrape of `target` by a client with `tls` failed; nil when it did not.
    static func failureReason(scraping target: PrometheusScrapeTarget, tls: TLSConfiguration) async throws -> String? {
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var scraper = PrometheusScraper(target: target, timeout: .seconds(4), honorLabels: false, bodySizeLimit: 0,
                                        sampleLimit: 0, authorization: nil)
        let (_, report) = await scraper.scrape(client)
        try await client.shutdown()
        return report.failure?.reason
    }
}
