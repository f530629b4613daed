@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

final class PrometheusScrapeInputConfigTests: XCTestCase {
    private func load(_ options: String) -> (config: PrometheusScrapeInputConfig?, errors: [String]) {
        var registry = TestComponents().registry
        registry.register(PrometheusScrapeInputConfig.componentType)
        let outcome = ConfigLoader.load(text: """
            inputs:
              scrape: { type: prometheus_scrape, \(options) }
            outputs:
              out: { type: capture, inputs: [scrape] }
            """, file: "p.yaml", registry: registry)
        let config = outcome.config?.components.first { $0.id == "scrape" }?.config as? PrometheusScrapeInputConfig
        return (config, outcome.errors.map { "\($0)" })
    }

    func testDefaults() throws {
        let config = try XCTUnwrap(load("targets: [\"10.0.0.1:9100\"]").config)
        XCTAssertEqual(config.interval, .seconds(60))
        XCTAssertEqual(config.timeout, .seconds(10))
        XCTAssertFalse(config.honorLabels)
        let targets = config.targets(componentID: "scrape")
        XCTAssertEqual(targets.map(\.url), ["http://10.0.0.1:9100/metrics"])
        XCTAssertEqual(targets[0].labels.map(\.name), ["instance", "job"])
        XCTAssertEqual(targets[0].labels.map(\.value), ["10.0.0.1:9100", "scrape"])
    }

    func testURLsPathsSchemeAndParams() throws {
        let config = try XCTUnwrap(load("""
            targets: ["h:1", "https://e.example/probe?x=1"], scheme: https, metrics_path: /m, params: { module: "http 2xx" }
            """).config)
        let targets = config.targets(componentID: "scrape")
        XCTAssertEqual(targets.map(\.url), ["https://h:1/m?module=http%202xx", "https://e.example/probe?x=1&module=http%202xx"])
        XCTAssertEqual(targets[1].labels.first { $0.name == "instance" }?.value, "e.example:443")
    }

    func testShortIntervalShortensTheTimeout() throws {
        XCTAssertEqual(try XCTUnwrap(load("targets: [\"h:1\"], interval: 2s").config).timeout, .seconds(2))
    }

    func testErrors() {
        let errors = load("""
            targets: ["nope", "h:1"], interval: 5s, timeout: 6s, scheme: ftp, metrics_path: metrics,
            static_configs: [{ labels: { "bad-name": x } }], sample_limit: -1
            """).errors.joined(separator: "\n")
        for expected in ["targets[0]: expected host:port or an http:// or https:// URL, got 'nope'",
                         "timeout: must not be longer than interval (5s)", "scheme: expected one of http, https",
                         "metrics_path: must start with '/'", "missing required option 'targets'",
                         "invalid label name 'bad-name'", "sample_limit: expected an integer"] {
            XCTAssertTrue(errors.contains(expected), "\(expected) not in:\n\(errors)")
        }
        XCTAssertTrue(load("job: x").errors.joined().contains("expected at least one target"))
        XCTAssertTrue(load("targets: [\"h:1\"], bearer_token: t, basic_auth: { username: u, password: p }").errors.joined()
            .contains("use either bearer_token or basic_auth, not both"))
        XCTAssertTrue(load("targets: [\"h:1\"], basic_auth: { username: u }").errors.joined()
            .contains("missing required option 'password'"))
    }
}
