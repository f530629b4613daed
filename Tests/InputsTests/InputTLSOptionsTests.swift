import Foundation
import Inputs
import Logging
import Pipeline
import PipelineTesting
import XCTest

/// The `tls` option of the syslog input and the drain: positioned config errors, and files
/// loaded when the stage is built, with errors naming the option and the file.
final class InputTLSOptionsTests: XCTestCase {
    private static func registry() -> ComponentRegistry {
        var registry = TestComponents().registry
        registry.register(SyslogInputConfig.componentType)
        registry.register(HerokuDrainInputConfig.componentType)
        return registry
    }

    private static func pipeline(_ input: String) -> String {
        """
        data_dir: \(NSTemporaryDirectory())pipectl-tls-options
        inputs:
          in: \(input)
        outputs:
          out: { type: capture, inputs: [in] }
        """
    }

    /// The load's error messages, each `file:line:column: path: message`.
    private static func errors(_ input: String) -> [String] {
        ConfigLoader.load(text: pipeline(input), file: "p.yaml", registry: registry()).errors.map(\.description)
    }

    /// What building the stage throws (the config itself is valid).
    private static func buildError(_ input: String) throws -> String {
        let outcome = ConfigLoader.load(text: pipeline(input), file: "p.yaml", registry: registry())
        let config = try XCTUnwrap(outcome.config, "\(outcome.errors)")
        do {
            _ = try Topology(config: config, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            return "\(error)"
        }
        XCTFail("the stage was built")
        return ""
    }

    private static func assertOneError(_ input: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let found = errors(input)
        XCTAssertEqual(found.count, 1, "\(found)", file: file, line: line)
        XCTAssertTrue(found.first?.hasSuffix(expected) == true, "\(found.first ?? "no error") should end in: \(expected)",
                      file: file, line: line)
    }

    func testConfigErrors() {
        let syslog = "type: syslog, listen: \"127.0.0.1:6514\""
        Self.assertOneError("{ \(syslog), mode: tls }",
                            "inputs.in: missing required option 'tls' (mode tls needs at least cert and key)")
        Self.assertOneError("{ \(syslog), mode: tls, tls: { key: k.pem } }", "inputs.in.tls: missing required option 'cert'")
        Self.assertOneError("{ \(syslog), mode: tls, tls: { cert: c.pem, key: k.pem, verify_client: true } }",
                            "inputs.in.tls.verify_client: needs 'ca': the CA bundle client certificates are verified against")
        Self.assertOneError("{ \(syslog), mode: tcp, tls: { cert: c.pem, key: k.pem } }",
                            "inputs.in.tls: applies to mode tls only (mode is tcp)")
        Self.assertOneError("{ \(syslog), mode: udp, tls: { cert: c.pem, key: k.pem } }",
                            "inputs.in.tls: applies to mode tls only (mode is udp)")
        Self.assertOneError("{ \(syslog), mode: tls, tls: { cert: c.pem, key: k.pem, verify: true } }",
                            "inputs.in.tls.verify: unknown option 'verify' (allowed: ca, cert, key, verify_client)")
        Self.assertOneError("{ type: heroku_drain, listen: \"127.0.0.1:8443\", tls: { cert: c.pem, key: k.pem, verify_client: true } }",
                            "inputs.in.tls.verify_client: needs 'ca': the CA bundle client certificates are verified against")
        XCTAssertEqual(Self.errors("{ \(syslog), mode: tls, tls: { cert: c.pem, key: k.pem, ca: ca.pem, verify_client: true } }"), [])
        XCTAssertEqual(Self.errors("{ type: heroku_drain, listen: \"127.0.0.1:8443\", tls: { cert: c.pem, key: k.pem, ca: ca.pem } }"), [])
    }

    func testMessagesAreFlaggedAtTheirLine() {
        let found = Self.errors("{ type: syslog, listen: \"127.0.0.1:6514\", mode: tcp, tls: { cert: c.pem, key: k.pem } }")
        XCTAssertTrue(found.first?.hasPrefix("p.yaml:3:") == true, "\(found)")
    }

    func testUnloadableFilesAreNamedWhenTheStageIsBuilt() throws {
        let certs = try TLSTestCertificates(self)
        let missing = "\(certs.directory)/missing.pem"
        XCTAssertEqual(
            try Self.buildError("{ type: syslog, mode: tls, listen: \"127.0.0.1:6514\", tls: { cert: \(missing), key: \(certs.serverKey) } }"),
            "inputs.in: tls.cert: cannot load \(missing): No such file or directory")
        XCTAssertEqual(
            try Self.buildError("{ type: heroku_drain, listen: \"127.0.0.1:8443\", tls: { cert: \(certs.serverCert), key: \(missing) } }"),
            "inputs.in: tls.key: cannot load \(missing): No such file or directory")
        XCTAssertTrue(
            try Self.buildError("""
            { type: syslog, mode: tls, listen: "127.0.0.1:6514", tls: { cert: \(certs.serverKey), key: \(certs.serverKey) } }
            """).hasPrefix("inputs.in: tls.cert: cannot load \(certs.serverKey): not a PEM certificate"))
        XCTAssertTrue(
            try Self.buildError("""
            { type: syslog, mode: tls, listen: "127.0.0.1:6514", tls: { cert: \(certs.serverCert), key: \(certs.serverKey), ca: \(certs.serverKey) } }
            """).hasPrefix("inputs.in: tls.ca: cannot load \(certs.serverKey): "))
        XCTAssertTrue(
            try Self.buildError("""
            { type: syslog, mode: tls, listen: "127.0.0.1:6514", tls: { cert: \(certs.serverCert), key: \(certs.clientKey) } }
            """).hasPrefix("inputs.in: tls: cannot use cert \(certs.serverCert) with key \(certs.clientKey): "))
    }

    func testAWrongPathIsNotReadForever() throws {
        XCTAssertEqual(
            try Self.buildError("{ type: syslog, mode: tls, listen: \"127.0.0.1:6514\", tls: { cert: /dev/zero, key: /dev/zero } }"),
            "inputs.in: tls.cert: cannot load /dev/zero: larger than 4MiB, not a PEM file")
        XCTAssertEqual(
            try Self.buildError("{ type: syslog, mode: tls, listen: \"127.0.0.1:6514\", tls: { cert: /, key: / } }"),
            "inputs.in: tls.cert: cannot load /: Is a directory")
    }

    func testAcknowledgementsNeedAStream() {
        Self.assertOneError("{ type: syslog, mode: udp, listen: \"127.0.0.1:514\", acknowledgements: true }",
                            "inputs.in.acknowledgements: needs mode tcp or tls: UDP cannot hold a sender back")
        XCTAssertEqual(Self.errors("{ type: syslog, mode: tcp, listen: \"127.0.0.1:514\", acknowledgements: true }"), [])
    }
}
