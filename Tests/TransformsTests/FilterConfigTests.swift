import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// Diagnostics of `filter` conditions, with exact text and position.
final class FilterConfigTests: XCTestCase {
    private func errors(_ options: String) -> [String] {
        loadTransform("filter", options).errors.map(\.description)
    }

    private let operators = "equals, not_equals, in, contains, starts_with, ends_with, exists, gt, gte, lt, lte"

    func testNoOperator() {
        XCTAssertEqual(errors("""
            condition:
              field: status
            """), ["t.yaml:8:7: transforms.f.condition: a condition needs one operator: \(operators) (or all/any/not)"])
    }

    func testTwoOperators() {
        XCTAssertEqual(errors("""
            condition:
              field: status
              equals: "200"
              contains: "2"
            """), ["t.yaml:8:7: transforms.f.condition: a condition takes one operator, got equals, contains"])
    }

    func testMissingField() {
        XCTAssertEqual(errors("condition: { equals: x }"),
                       ["t.yaml:7:16: transforms.f.condition: missing required option 'field'"])
    }

    func testMissingCondition() {
        XCTAssertEqual(errors(""), ["t.yaml:5:5: transforms.f: missing required option 'condition'"])
    }

    func testBadValues() {
        XCTAssertEqual(errors("condition: { field: status, gte: high }"),
                       ["t.yaml:7:38: transforms.f.condition.gte: expected a number, got 'high'"])
        XCTAssertEqual(errors("condition: { field: status, exists: maybe }"),
                       ["t.yaml:7:41: transforms.f.condition.exists: expected true or false, got 'maybe'"])
    }

    func testUnknownOptionInCondition() {
        XCTAssertEqual(errors("condition: { field: status, equals: x, equal: y }"), [
            "t.yaml:7:44: transforms.f.condition.equal: unknown option 'equal'; did you mean 'equals'? (allowed: "
                + "all, any, contains, ends_with, equals, exists, field, gt, gte, in, lt, lte, not, not_equals, starts_with)",
        ])
    }

    func testErrorsInsideCombinatorsNameTheirPath() {
        XCTAssertEqual(errors("""
            condition:
              all:
                - { field: a, equals: x }
                - { field: b }
                - not: { field: c, gt: 1, lt: 2 }
            """), [
            "t.yaml:10:11: transforms.f.condition.all[1]: a condition needs one operator: \(operators) (or all/any/not)",
            "t.yaml:11:16: transforms.f.condition.all[2].not: a condition takes one operator, got gt, lt",
        ])
    }

    func testEveryErrorIsReportedAtOnce() {
        XCTAssertEqual(errors("""
            condition:
              any:
                - { field: a }
                - { field: b, equals: x, in: [y] }
                - { equals: z }
            """).count, 3)
    }

    func testFilterAcceptsLogsAndMetrics() {
        let outcome = ConfigLoader.load(text: """
            inputs:
              m: { type: metric_source }
              l: { type: sequence }
            transforms:
              f: { type: filter, inputs: [m, l], condition: { field: name, exists: true } }
            outputs:
              metrics_only: { type: metrics_sink, inputs: [f] }
            """, file: "k.yaml", registry: transformsRegistry)
        XCTAssertEqual(outcome.errors.map(\.description),
                       ["k.yaml:7:47: outputs.metrics_only.inputs: 'f' (filter) produces logs but metrics_sink 'metrics_only' accepts only metrics"])
    }
}
