import Pipeline
import PipelineTesting
import XCTest

/// `tests:` blocks: decoding with positions, and running through transform stages.
final class PipelineTestRunnerTests: XCTestCase {
    private func load(_ tests: String) throws -> PipelineConfig {
        let outcome = TestComponents().load("""
        inputs:
          gen: {type: sequence}
        transforms:
          pass: {type: pass, inputs: [gen]}
        outputs:
          out: {type: capture, inputs: [pass]}
        tests:
        \(tests)
        """, file: "t.yaml")
        return try XCTUnwrap(outcome.config, "\(outcome.errors)")
    }

    func testPassingAndFailingExpectations() throws {
        let config = try load("""
          - name: passes through
            input: { component: gen, syslog: '<158>1 2024-05-01T00:00:00Z host heroku router - at=info status=200' }
            expect:
              - { component: pass, log: { message: 'at=info status=200', fields: { procid: router, severity: "6" } } }
              - { component: out, count: 1 }
          - name: wrong expectations
            input: { component: gen, message: hello, fields: { app: shop } }
            expect:
              - { component: pass, log: { fields: { app: other } } }
              - { component: out, count: 2 }
        """)
        let runner = PipelineTestRunner(config: config)
        XCTAssertEqual(config.tests.map(\.name), ["passes through", "wrong expectations"])
        XCTAssertEqual(runner.run(config.tests[0]), [])
        XCTAssertEqual(runner.run(config.tests[1]), [
            "pass: expected a log with app=other; it emitted hello",
            "out: expected 2 events, it emitted 1",
        ])
    }

    /// A metric sample as a test input (for sources that scrape or collect metrics).
    func testMetricInputs() throws {
        func load(_ tests: String) -> ConfigLoader.Outcome {
            TestComponents().load("""
            inputs:
              gen: {type: sequence}
            transforms:
              keep: {type: same, inputs: [gen]}
            outputs:
              out: {type: capture, inputs: [keep]}
            tests:
            \(tests)
            """, file: "t.yaml")
        }
        let config = try XCTUnwrap(load("""
          - input: { component: gen, metric: { name: up, labels: { job: node }, value: 1, kind: gauge } }
            expect:
              - { component: keep, metric: { name: up, labels: { job: node }, value: 1 } }
              - { component: out, count: 1 }
          - input: { component: gen, metric: { name: up, labels: { job: node }, value: 1 } }
            expect: [{ component: keep, metric: { name: up, labels: { job: other } } }]
        """).config)
        let runner = PipelineTestRunner(config: config)
        XCTAssertEqual(runner.run(config.tests[0]), [])
        XCTAssertEqual(runner.run(config.tests[1]).count, 1, "a wrong label fails")
        XCTAssertEqual(load("""
          - input: { component: gen, metric: { labels: { job: node }, kind: sideways } }
            expect: [{ component: out, count: 0 }]
        """).errors.map(\.description).sorted(), [
            "t.yaml:8:38: tests[0].input.metric: missing required option 'name'",
            "t.yaml:8:38: tests[0].input.metric: missing required option 'value'",
            "t.yaml:8:69: tests[0].input.metric.kind: expected one of counter, gauge, summary, histogram, untyped, got 'sideways'",
        ])
    }

    func testBadTestsAreConfigErrorsWithPositions() {
        let outcome = TestComponents().load("""
        inputs:
          gen: {type: sequence}
        outputs:
          out: {type: capture, inputs: [gen]}
        tests:
          - name: broken
            input: { component: nope, syslog: 'not syslog' }
            expect:
              - { component: out, metric: { labels: { a: b } } }
              - { component: out }
          - name: both
            input: { component: gen, message: hi, metric: { name: m, value: 1 } }
            expect: [{ component: out, count: 1 }]
        """, file: "t.yaml")
        XCTAssertEqual(outcome.errors.map(\.description), [
            "t.yaml:7:12: tests[0].input: a test input needs 'message', 'syslog', 'metric' or 'otlp'",
            "t.yaml:7:25: tests[0].input.component: unknown component 'nope'",
            "t.yaml:7:39: tests[0].input.syslog: not an RFC 5424 or RFC 3164 line: missing <PRI> at byte 0",
            "t.yaml:9:35: tests[0].expect[0].metric: missing required option 'name'",
            "t.yaml:10:9: tests[0].expect[1]: an expectation needs one of metric:, log:, span: or count:",
            "t.yaml:12:51: tests[1].input.metric: an input is a log event ('message', 'syslog', 'fields') or a 'metric', not both",
        ])
    }
}
