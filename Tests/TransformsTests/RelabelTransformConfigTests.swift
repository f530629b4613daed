import Pipeline
@testable import Relabeling
@testable import Transforms
import XCTest

/// Config errors of `relabel`, with their positions (`rules:` is on line 7 of `t.yaml`, indented by 4).
final class RelabelTransformConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] { loadRelabel(options).errors.map(\.description) }

    func testDefaults() throws {
        let config = try XCTUnwrap(loadRelabel("rules:\n- target_label: a").config?.component("f")?.config as? RelabelTransformConfig)
        XCTAssertEqual(config.rules, [RelabelRuleConfig(sourceLabels: [], separator: ";", regex: "(.*)", modulus: 0,
                                                        targetLabel: "a", replacement: "$1", action: .replace)])
    }

    func testRelabelConfigsIsAnotherNameForRules() throws {
        let config = try XCTUnwrap(loadRelabel("relabel_configs:\n- {regex: x, action: labeldrop}").config?.component("f")?.config
                                   as? RelabelTransformConfig)
        XCTAssertEqual(config.rules.map(\.action), [.labeldrop])
        XCTAssertEqual(errors("rules: [{regex: x, action: labeldrop}]\nrelabel_configs: []"), [
            "t.yaml:8:22: transforms.f.relabel_configs: give 'rules' or 'relabel_configs', not both",
        ])
    }

    func testActionIsCaseInsensitive() throws {
        let config = try XCTUnwrap(loadRelabel("rules: [{regex: x, action: LabelDrop}]").config?.component("f")?.config
                                   as? RelabelTransformConfig)
        XCTAssertEqual(config.rules.map(\.action), [.labeldrop])
    }

    func testMissingOrEmptyRules() {
        XCTAssertEqual(errors(""), ["t.yaml:5:5: transforms.f: missing required option 'rules'"])
        XCTAssertEqual(errors("rules: []"), ["t.yaml:7:12: transforms.f.rules: expected at least one rule"])
    }

    func testBadRegexIsReportedWithPCRE2MessageAndOffset() {
        XCTAssertEqual(errors("""
            rules:
            - source_labels: [job]
              regex: '(a|b'
              action: keep
            """), [
            "t.yaml:9:14: transforms.f.rules[0].regex: not a valid PCRE2 pattern: missing closing parenthesis at offset 4: (a|b>>>",
        ])
    }

    func testUnknownActionListsTheAllowedOnes() {
        XCTAssertEqual(errors("rules: [{action: rename, target_label: a}]"), [
            "t.yaml:7:22: transforms.f.rules[0].action: unknown relabel action \"rename\" (allowed: replace, keep, drop,"
                + " keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase)",
        ])
    }

    func testUnknownOptionSuggestsTheRightOne() {
        let e = errors("rules: [{source_label: [a], target_label: b}]")
        XCTAssertEqual(e.count, 1)
        XCTAssertTrue(e[0].hasPrefix("t.yaml:7:14: transforms.f.rules[0].source_label: unknown option 'source_label';"
                                     + " did you mean 'source_labels'?"), e[0])
    }

    func testTargetLabelIsRequiredWhereARuleWritesOne() {
        for action in ["replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal"] {
            let modulus = action == "hashmod" ? ", modulus: 2" : ""
            XCTAssertEqual(errors("rules: [{source_labels: [a], action: \(action)\(modulus)}]"), [
                "t.yaml:7:13: transforms.f.rules[0]: relabel configuration for \(action) action requires 'target_label' value",
            ])
        }
    }

    func testHashmodRequiresAModulus() {
        XCTAssertEqual(errors("rules: [{source_labels: [a], target_label: b, action: hashmod}]"), [
            "t.yaml:7:13: transforms.f.rules[0]: relabel configuration for hashmod requires non-zero modulus",
        ])
    }

    func testInvalidTargetLabels() {
        XCTAssertEqual(errors("""
            rules:
            - {source_labels: [a], target_label: 1abc}
            - {source_labels: [a], target_label: 'x-$1'}
            - {source_labels: [a], target_label: 'ok_$1'}
            - {source_labels: [a], target_label: 'x$1', action: lowercase}
            """), [
            "t.yaml:8:42: transforms.f.rules[0].target_label: \"1abc\" is invalid 'target_label' for replace action",
            "t.yaml:9:42: transforms.f.rules[1].target_label: \"x-$1\" is invalid 'target_label' for replace action",
            "t.yaml:11:42: transforms.f.rules[3].target_label: \"x$1\" is invalid 'target_label' for lowercase action",
        ])
    }

    func testInvalidSourceLabelName() {
        XCTAssertEqual(errors("rules: [{source_labels: [ok, 'not-ok'], target_label: b}]"), [
            "t.yaml:7:34: transforms.f.rules[0].source_labels[1]: \"not-ok\" is not a valid label name",
        ])
    }

    func testFieldsThatActionsDoNotTake() {
        XCTAssertEqual(errors("""
            rules:
            - {source_labels: [a], target_label: b, action: lowercase, replacement: x}
            - {source_labels: [a], target_label: b, action: keepequal, regex: '(.*)'}
            - {source_labels: [a], regex: x, action: labeldrop}
            - {regex: x, action: labelkeep, separator: ','}
            - {regex: '(.*)', replacement: 'a-$1', action: labelmap}
            """), [
            "t.yaml:8:77: transforms.f.rules[0].replacement: 'replacement' can not be set for lowercase action",
            "t.yaml:9:7: transforms.f.rules[1]: keepequal action requires only 'source_labels' and 'target_label', and no other fields",
            "t.yaml:10:7: transforms.f.rules[2]: labeldrop action requires only 'regex', and no other fields",
            "t.yaml:11:7: transforms.f.rules[3]: labelkeep action requires only 'regex', and no other fields",
            "t.yaml:12:36: transforms.f.rules[4].replacement: \"a-$1\" is invalid 'replacement' for labelmap action",
        ])
    }

    func testEveryBadRuleIsReported() {
        XCTAssertEqual(errors("""
            rules:
            - {regex: '[', action: drop}
            - {regex: x, action: labeldrop}
            - {action: hashmod, target_label: h}
            """).count, 2)
    }

    func testLabelmapWarnsAboutFieldsItIgnores() {
        let outcome = loadRelabel("rules: [{source_labels: [a], regex: 'x_(.*)', action: labelmap}]")
        XCTAssertEqual(outcome.errors.map(\.description), [])
        XCTAssertEqual(outcome.warnings.map(\.description), [
            "t.yaml:7:13: warning: transforms.f.rules[0]: labelmap uses only 'regex' and 'replacement'; the other fields are ignored",
        ])
    }
}
