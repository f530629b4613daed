import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The cloudwatch_logs options: defaults, positioned errors, and what the environment fills in.
final class CloudWatchLogsConfigTests: XCTestCase {
    private let registry = ComponentRegistry(TestComponents().registry.types + [CloudWatchLogsOutputConfig.componentType])

    private func load(_ options: String) -> ConfigLoader.Outcome {
        ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              cw:
                type: cloudwatch_logs
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "p.yaml", registry: registry)
    }

    private func errors(_ options: String) -> [String] { load(options).errors.map(\.description) }

    private func config(_ options: String) throws -> CloudWatchLogsOutputConfig {
        let outcome = load(options)
        XCTAssertEqual(outcome.errors.map(\.description), [])
        return try XCTUnwrap(outcome.config?.component("cw")?.config as? CloudWatchLogsOutputConfig)
    }

    private let names = "group_name: app\nstream_name: \"{{ hostname }}\""

    func testDefaults() throws {
        let c = try config(names)
        XCTAssertEqual(c.delivery.batch, DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 1_048_576, timeout: .seconds(1)))
        XCTAssertEqual(c.delivery.concurrency, 1)
        XCTAssertTrue(c.createMissingGroup)
        XCTAssertTrue(c.createMissingStream)
        XCTAssertEqual(c.maxMessageBytes, 262_118)
        XCTAssertNil(c.region)
        XCTAssertNil(c.credentials)
        XCTAssertEqual(c.stream.fieldNames, [FieldName("hostname")])
        XCTAssertEqual(c.group.constant, "app")
    }

    func testErrorsArePositioned() {
        XCTAssertEqual(errors(""), [
            "p.yaml:5:5: outputs.cw: missing required option 'group_name'",
            "p.yaml:5:5: outputs.cw: missing required option 'stream_name'",
        ])
        XCTAssertEqual(errors("group_name: \"{{ app\"\nstream_name: s\nregion: US_East"), [
            "p.yaml:7:17: outputs.cw.group_name: unclosed '{{' in '{{ app'",
            "p.yaml:9:13: outputs.cw.region: expected an AWS region like us-east-1, got 'US_East'",
        ])
        XCTAssertEqual(errors(names + "\nbatch: { max_events: 20000, max_bytes: 2MiB }"), [
            "p.yaml:9:26: outputs.cw.batch.max_events: must be at most 10000 (PutLogEvents takes at most 10,000 events)",
            "p.yaml:9:44: outputs.cw.batch.max_bytes: must be at most 1MiB (PutLogEvents takes at most 1,048,576 bytes: messages plus 26 per event)",
        ])
        XCTAssertEqual(errors(names + "\nendpoint: http://127.0.0.1:5000/?token=x"), [
            "p.yaml:9:15: outputs.cw.endpoint: must not have a query or fragment: requests are signed for the path alone",
        ])
        XCTAssertEqual(errors(names + "\nauth: { access_key_id: AKID }"), [
            "p.yaml:9:11: outputs.cw.auth: missing required option 'secret_access_key'",
        ])
    }

    /// Region and credentials the file leaves out come from the AWS variables; none: a clear error.
    func testTheEnvironmentFillsInRegionAndCredentials() throws {
        let c = try config(names)
        XCTAssertThrowsError(try c.resolve(environment: [:])) {
            XCTAssertEqual("\($0)", "no region: set region: or AWS_REGION (or AWS_DEFAULT_REGION)")
        }
        XCTAssertThrowsError(try c.resolve(environment: ["AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID"])) {
            XCTAssertEqual("\($0)", "no AWS credentials: set auth: {access_key_id, secret_access_key} or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let resolved = try c.resolve(environment: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "AKID",
                                                   "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"])
        XCTAssertEqual(resolved.region, "eu-west-1")
        XCTAssertEqual(resolved.endpoint, "https://logs.eu-west-1.amazonaws.com")
        XCTAssertEqual(resolved.credentials, AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "token"))
        let fromFile = try config(names + "\nregion: us-east-2\nendpoint: http://127.0.0.1:5000\nauth: { access_key_id: A, secret_access_key: S }")
            .resolve(environment: ["AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"])
        XCTAssertEqual(fromFile.region, "us-east-2")
        XCTAssertEqual(fromFile.endpoint, "http://127.0.0.1:5000")
        XCTAssertEqual(fromFile.credentials, AWSCredentials(accessKeyID: "A", secretAccessKey: "S"))
    }

    /// Building the stage without a region names the output.
    func testAMissingRegionFailsTheStageBuild() throws {
        let outcome = load(names + "\nauth: { access_key_id: A, secret_access_key: S }")
        let config = try XCTUnwrap(outcome.config)
        guard ProcessInfo.processInfo.environment["AWS_REGION"] == nil, ProcessInfo.processInfo.environment["AWS_DEFAULT_REGION"] == nil else {
            throw XCTSkip("the test's environment sets an AWS region")
        }
        XCTAssertThrowsError(try Topology(config: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))) {
            XCTAssertEqual("\($0)", "outputs.cw: no region: set region: or AWS_REGION (or AWS_DEFAULT_REGION)")
        }
    }
}
