import Logging
import Pipeline
import PipelineTesting
import XCTest

/// `${VAR}` interpolation, checked through `ConfigLoader` and the stages it configures.
final class EnvInterpolationTests: XCTestCase {
    private func load(_ text: String, _ env: [String: String]) -> (ConfigLoader.Outcome, TestComponents) {
        let components = TestComponents()
        return (components.load(text, file: "env.yaml", environment: env), components)
    }

    /// The `source` the `sequence` input `gen` was configured with.
    private func source(_ text: String, _ env: [String: String]) throws -> String {
        let (outcome, components) = load(text, env)
        let config = try XCTUnwrap(outcome.config, outcome.diagnostics.map(\.description).joined(separator: "\n"))
        _ = try Topology(config: config, logger: .init(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        guard case .input(let input)? = components.stage("gen"), let sequence = input as? SequenceInput else {
            XCTFail("gen is not a sequence input")
            return ""
        }
        return sequence.source
    }

    private func pipeline(source: String, comment: String = "") -> String {
        """
        inputs:
          gen:
            type: sequence
            source: \(source)\(comment)
        outputs:
          out:
            type: capture
            inputs: [gen]
        """
    }

    func testSubstitutesVariable() throws {
        XCTAssertEqual(try source(pipeline(source: "${APP}"), ["APP": "web"]), "web")
        XCTAssertEqual(try source(pipeline(source: "pre-${APP}-${ENV_NAME}"), ["APP": "web", "ENV_NAME": "prod"]), "pre-web-prod")
    }

    func testDefaultWhenUnsetOrEmpty() throws {
        XCTAssertEqual(try source(pipeline(source: "${APP:-fallback}"), [:]), "fallback")
        XCTAssertEqual(try source(pipeline(source: "${APP:-fallback}"), ["APP": ""]), "fallback")
        XCTAssertEqual(try source(pipeline(source: "${APP:-fallback}"), ["APP": "set"]), "set")
        XCTAssertEqual(try source(pipeline(source: "\"${APP:-}\""), [:]), "")
    }

    func testEmptyValueWithoutDefaultIsKept() throws {
        XCTAssertEqual(try source(pipeline(source: "\"x${APP}y\""), ["APP": ""]), "xy")
    }

    func testDollarDollarEscapesInterpolation() throws {
        XCTAssertEqual(try source(pipeline(source: "\"$${HOME}\""), [:]), "${HOME}")
        XCTAssertEqual(try source(pipeline(source: "cost$$5"), [:]), "cost$$5", "only $${ is an escape")
        XCTAssertEqual(try source(pipeline(source: "a$b"), [:]), "a$b")
    }

    func testUnsetVariableIsReportedAtItsPosition() {
        let (outcome, _) = load(pipeline(source: "web-${MISSING_VAR}"), [:])
        XCTAssertNil(outcome.config)
        XCTAssertEqual(outcome.diagnostics.map(\.description), [
            "env.yaml:4:17: environment variable 'MISSING_VAR' is not set and has no default (write ${MISSING_VAR:-default})",
        ])
    }

    func testUnterminatedReferenceIsAnError() {
        let (outcome, _) = load(pipeline(source: "web-${NAME"), ["NAME": "x"])
        XCTAssertNil(outcome.config)
        XCTAssertEqual(outcome.diagnostics.map(\.description), [
            "env.yaml:4:17: unterminated variable reference '${…' (missing '}'; write $${ for a literal ${)",
        ])
    }

    func testSeveralUnsetVariablesAreAllReported() {
        let text = "shutdown_timeout: ${T}\n" + pipeline(source: "${A}${B:-ok}${C}")
        let (outcome, _) = load(text, [:])
        let unset = outcome.errors.filter { $0.message.hasPrefix("environment variable") }
        XCTAssertEqual(unset.map { "\($0.line):\($0.column) \($0.message.prefix(35))" }, [
            "1:19 environment variable 'T' is not set", "5:13 environment variable 'A' is not set", "5:25 environment variable 'C' is not set",
        ])
    }

    func testInvalidReference() {
        let (outcome, _) = load(pipeline(source: "${1ABC}"), [:])
        XCTAssertEqual(outcome.errors.map(\.description), ["env.yaml:4:13: invalid variable reference '${1ABC}'"])
    }

    func testVariablesInCommentsAreIgnored() throws {
        let text = """
        # uses ${NOT_SET_ANYWHERE}
        inputs:
          gen:
            type: sequence   # ${ALSO_NOT_SET}
            source: "web # ${APP}"
        outputs:
          out:
            type: capture
            inputs: [gen]
        """
        XCTAssertEqual(try source(text, ["APP": "x"]), "web # x", "a # inside quotes does not start a comment")
    }

    func testApostropheInAPlainScalarDoesNotHideAComment() throws {
        XCTAssertEqual(try source(pipeline(source: "it's fine", comment: "   # ${UNSET_IN_COMMENT}"), [:]), "it's fine")
    }

    func testEscapedQuoteDoesNotEndADoubleQuotedString() throws {
        XCTAssertEqual(try source(pipeline(source: #""a 5\" screen # ${NAME}""#), ["NAME": "bob"]), #"a 5" screen # bob"#)
    }

    func testDoubledQuoteDoesNotEndASingleQuotedString() throws {
        XCTAssertEqual(try source(pipeline(source: "'it''s # ${NAME}'"), ["NAME": "bob"]), "it's # bob")
        XCTAssertEqual(try source(pipeline(source: "'it''s'", comment: " # ${UNSET_IN_COMMENT}"), [:]), "it's")
    }

    func testEnvironmentValueNeverAppearsInDiagnostics() {
        let secret = "hunter2-not-a-duration"
        let text = """
        shutdown_timeout: ${TIMEOUT}
        inputs:
          gen:
            type: sequence
            count: ${COUNT}
        outputs:
          out:
            type: capture
            inputs: [${UPSTREAM}]
        """
        let (outcome, _) = load(text, ["TIMEOUT": secret, "COUNT": "secret-count", "UPSTREAM": "secret_upstream"])
        XCTAssertEqual(outcome.errors.map(\.description), [
            "env.yaml:1:19: shutdown_timeout: expected a duration like \"15s\" or \"500ms\", got '<redacted>'",
            "env.yaml:5:12: inputs.gen.count: expected an integer between 0 and 1000000000, got '<redacted>'",
            "env.yaml:9:13: outputs.out.inputs: unknown component '<redacted>' in inputs",
        ])
        for d in outcome.diagnostics {
            for value in [secret, "secret-count", "secret_upstream"] { XCTAssertFalse(d.description.contains(value), d.description) }
        }
        XCTAssertEqual(outcome.secrets, [secret, "secret-count", "secret_upstream"])
    }

    func testPositionsAfterASubstitutionMapBackToTheFile() {
        // The substituted value is longer than `${A}`; the error on the same line must still
        // point at the column as written.
        let text = """
        inputs:
          gen: {type: sequence, source: "${A}", count: many}
        outputs:
          out: {type: capture, inputs: [gen]}
        """
        let (outcome, _) = load(text, ["A": "a-much-longer-value"])
        XCTAssertEqual(outcome.errors.map(\.description), [
            "env.yaml:2:48: inputs.gen.count: expected an integer between 0 and 1000000000, got 'many'",
        ])
    }
}
