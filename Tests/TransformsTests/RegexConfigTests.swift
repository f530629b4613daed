import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `regex` shares the test pipeline shape of the other transforms; its type is added here.
let regexRegistry = ComponentRegistry(transformsRegistry.types + [RegexTransformConfig.componentType])

/// Loads `src → f (regex with options) → out` (options are YAML lines indented under `f:`).
func loadRegex(_ options: String, file: String = "t.yaml") -> ConfigLoader.Outcome {
    let indented = options.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    let text = """
        inputs:
          src: { type: static }
        transforms:
          f:
            type: regex
            inputs: [src]
        \(indented)
        outputs:
          out: { type: capture, inputs: [f] }
        """
    return ConfigLoader.load(text: text, file: file, registry: regexRegistry)
}

/// A regex stage built from `options` (which must load cleanly), with its counters.
func makeRegex(_ options: String, file: StaticString = #filePath, line: UInt = #line) -> (RegexTransform, ComponentMetrics)? {
    let outcome = loadRegex(options)
    XCTAssertEqual(outcome.errors.map(\.description), [], file: file, line: line)
    guard let config = outcome.config?.component("f")?.config as? RegexTransformConfig else { return nil }
    let metrics = ComponentMetrics(id: "f")
    guard let stage = try? config.makeTransform(metrics: metrics, logger: LogCapture().logger()) else { return nil }
    return (stage, metrics)
}

final class RegexConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] { loadRegex(options).errors.map(\.description) }

    func testDefaults() throws {
        let config = try XCTUnwrap(loadRegex("patterns: ['(?<a>x)']").config?.component("f")?.config as? RegexTransformConfig)
        XCTAssertEqual(config.field, FieldName("message"))
        XCTAssertEqual(config.onNoMatch, .keep)
        XCTAssertEqual(config.matchLimit, 100_000)
        XCTAssertEqual(config.depthLimit, 10_000)
        XCTAssertEqual(config.ports, [])
    }

    func testRouteDeclaresTheUnmatchedPort() throws {
        let config = try XCTUnwrap(loadRegex("patterns: ['(?<a>x)']\non_no_match: route").config?.component("f")?.config
                                   as? RegexTransformConfig)
        XCTAssertEqual(config.ports, ["unmatched"])
    }

    func testBadPatternIsReportedWithPCRE2MessageAndOffset() {
        XCTAssertEqual(errors("""
            patterns:
              - '(?<ok>a)'
              - '(?<status>\\d+'
            """), [
            "t.yaml:9:9: transforms.f.patterns[1]: not a valid PCRE2 pattern: missing closing parenthesis"
                + " at offset 13: (?<status>\\d+>>>",
        ])
    }

    func testBadPatternInAFlowList() {
        XCTAssertEqual(errors("patterns: ['(?<a>[z-a])']"), [
            "t.yaml:7:16: transforms.f.patterns[0]: not a valid PCRE2 pattern:"
                + " range out of order in character class at offset 8: (?<a>[z->>>a])",
        ])
    }

    func testPatternWithoutNamedGroupIsAnError() {
        XCTAssertEqual(errors("patterns: ['status=(\\d+)']"), [
            "t.yaml:7:16: transforms.f.patterns[0]: no named group; name what to keep, like (?<status>\\d+)",
        ])
    }

    func testMissingPatterns() {
        XCTAssertEqual(errors("field: message"), ["t.yaml:5:5: transforms.f: missing required option 'patterns'"])
    }

    func testUnknownTypeListsTheAllowedOnes() {
        XCTAssertEqual(errors("patterns: ['(?<status>\\d+)']\ntypes: {status: integer}"), [
            "t.yaml:8:12: transforms.f.types: unknown type 'integer' for group 'status'"
                + " (allowed: int, float, bool, duration, size, timestamp)",
        ])
    }

    func testTypeForAGroupNoPatternHas() {
        XCTAssertEqual(errors("patterns: ['(?<status>\\d+)']\ntypes: {code: int}"), [
            "t.yaml:8:12: transforms.f.types: 'code' is not a named group of any pattern",
        ])
    }

    func testUnknownOnNoMatch() {
        let e = errors("patterns: ['(?<a>x)']\non_no_match: discard")
        XCTAssertEqual(e.count, 1)
        XCTAssertTrue(e[0].hasPrefix("t.yaml:8:18: transforms.f.on_no_match: expected one of keep, drop, route"), e[0])
    }
}
