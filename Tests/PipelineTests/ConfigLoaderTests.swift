import Pipeline
import PipelineTesting
import XCTest

/// Golden diagnostics: the exact `FILE:LINE:COL: path: message` text of each problem.
final class ConfigLoaderTests: XCTestCase {
    private func diagnostics(_ text: String) -> [String] {
        TestComponents().load(text, file: "p.yaml").diagnostics.map(\.description)
    }

    func testValidPipelineLoads() throws {
        let outcome = TestComponents().load("""
        data_dir: /tmp/pipectl-test
        shutdown_timeout: 1m30s
        api: {listen: "127.0.0.1:0", token: abc}
        inputs:
          gen: {type: sequence, count: 10}
        transforms:
          route: {type: same, ports: [matched], inputs: gen}
        outputs:
          out:
            type: capture
            inputs: [route, route.matched]
            buffer: {max_events: 100, when_full: drop_newest}
        """)
        XCTAssertEqual(outcome.diagnostics, [])
        let config = try XCTUnwrap(outcome.config)
        XCTAssertEqual(config.dataDirectory, "/tmp/pipectl-test")
        XCTAssertEqual(config.shutdownTimeout, .seconds(90))
        XCTAssertEqual(config.api.port, 0)
        XCTAssertEqual(config.api.token, "abc")
        XCTAssertEqual(config.components.map(\.id), ["gen", "route", "out"])
        XCTAssertEqual(config.component("route")?.config.ports, ["matched"])
        XCTAssertEqual(config.component("out")?.upstreams.map(\.description), ["route", "route.matched"])
        XCTAssertEqual(config.component("out")?.buffer.maxEvents, 100)
        XCTAssertEqual(config.component("out")?.buffer.whenFull, .dropNewest)
        XCTAssertEqual(config.downstreams(of: "gen"), ["route"])
    }

    func testUnknownOptionWithSuggestionAndAllowedList() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen:
            type: sequence
            sourec: web
        outputs:
          out:
            type: capture
            inputs: [gen]
            dealy: 1s
        """), [
            "p.yaml:4:5: inputs.gen.sourec: unknown option 'sourec'; did you mean 'source'? (allowed: batch_size, count, source, type)",
            "p.yaml:9:5: outputs.out.dealy: unknown option 'dealy'; did you mean 'delay'? (allowed: buffer, delay, inputs, type)",
        ])
    }

    func testUnknownTopLevelOption() {
        XCTAssertEqual(diagnostics("data_dri: /tmp\ninputs:\n  gen: {type: sequence}\noutputs:\n  out: {type: capture, inputs: [gen]}\n"), [
            "p.yaml:1:1: data_dri: unknown option 'data_dri'; did you mean 'data_dir'? (allowed: api, data_dir, inputs, outputs, shutdown_timeout, tests, transforms)",
        ])
    }

    func testUnknownTypeListsKnownTypes() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
          other:
            type: sequense
        outputs:
          out: {type: capture, inputs: [gen]}
        """).first, "p.yaml:4:11: inputs.other.type: unknown input type 'sequense'; did you mean 'sequence'? (known: metric_source, sequence, span_source, static)")
    }

    func testTypeDeclaredInTheWrongSection() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        outputs:
          out: {type: capture, inputs: [gen]}
          p:
            type: pass
            inputs: [gen]
        """), [
            "p.yaml:6:11: outputs.p.type: unknown output type 'pass'; 'pass' is a transform: declare it under transforms: (known: capture, metrics_sink)",
        ])
    }

    func testMissingType() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        outputs:
          out:
            inputs: [gen]
        """), ["p.yaml:5:5: outputs.out: missing required option 'type'"],
        "no follow-on errors: its other options are not 'unknown', and nobody is warned that 'gen' is unread")
    }

    func testUnknownTypeIsStillADeclaredID() {
        let found = diagnostics("""
        inputs:
          gen: {type: sequense}
        outputs:
          out: {type: capture, inputs: [gen]}
        """)
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertTrue(found[0].hasPrefix("p.yaml:2:15: inputs.gen.type: unknown input type 'sequense'; did you mean 'sequence'?"), found[0])
    }

    func testBadDuration() {
        XCTAssertEqual(diagnostics("""
        shutdown_timeout: lots
        inputs:
          gen: {type: sequence}
        outputs:
          out: {type: capture, inputs: [gen]}
        """), [#"p.yaml:1:19: shutdown_timeout: expected a duration like "15s" or "500ms", got 'lots'"#])
    }

    func testUnknownUpstreamWithSuggestion() {
        XCTAssertEqual(TestComponents().load("""
        inputs:
          generator: {type: sequence}
        outputs:
          out:
            type: capture
            inputs: [generater]
        """, file: "p.yaml").errors.map(\.description), [
            "p.yaml:6:13: outputs.out.inputs: unknown component 'generater' in inputs; did you mean 'generator'?",
        ])
    }

    func testCycle() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        transforms:
          a:
            type: pass
            inputs: [gen, b]
          b:
            type: pass
            inputs: [a]
        outputs:
          out: {type: capture, inputs: [b]}
        """), ["p.yaml:6:13: transforms.a.inputs: cycle: a -> b -> a"])
    }

    func testLogsIntoMetricsOnlyOutput() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        outputs:
          out:
            type: metrics_sink
            inputs: [gen]
        """), ["p.yaml:6:13: outputs.out.inputs: 'gen' (sequence) produces logs but metrics_sink 'out' accepts only metrics"])
    }

    func testKindsFlowThroughSameAsInputTransforms() {
        XCTAssertEqual(diagnostics("""
        inputs:
          m: {type: metric_source}
        transforms:
          any: {type: same, inputs: [m]}
          logs_only: {type: pass, inputs: [any]}
        outputs:
          metrics_ok: {type: metrics_sink, inputs: [any]}
          out: {type: capture, inputs: [logs_only]}
        """), ["p.yaml:5:35: transforms.logs_only.inputs: 'any' (same) produces metrics but pass 'logs_only' accepts only logs"])
    }

    func testOutputWithoutInputs() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        outputs:
          out: {type: capture, inputs: [gen]}
          lonely:
            type: capture
        """), ["p.yaml:6:5: outputs.lonely: output 'lonely' has no inputs (add inputs: [some_input])"])
    }

    func testUnknownPort() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        transforms:
          x: {type: same, ports: [matched, unmatched], inputs: [gen]}
        outputs:
          out:
            type: capture
            inputs: [x, x.nope, gen.other, x.unmatched]
        """), [
            "p.yaml:8:13: outputs.out.inputs: 'x' has no port 'nope' (its ports: matched, unmatched)",
            "p.yaml:8:13: outputs.out.inputs: 'gen' has no port 'other' (it has no named ports)",
        ])
    }

    func testDuplicateIDAcrossSections() {
        let outcome = TestComponents().load("""
        inputs:
          gen: {type: sequence}
        transforms:
          t: {type: pass, inputs: [gen]}
        outputs:
          t:
            type: capture
            inputs: [gen]
        """, file: "p.yaml")
        XCTAssertEqual(outcome.errors.map(\.description), [
            "p.yaml:7:5: outputs.t: component id 't' is used more than once (ids are unique across inputs, transforms and outputs)",
        ])
    }

    func testInvalidID() {
        XCTAssertEqual(diagnostics("""
        inputs:
          Bad-Id: {type: sequence}
        outputs:
          out: {type: capture, inputs: [Bad-Id]}
        """), ["p.yaml:2:11: inputs.Bad-Id: component id 'Bad-Id' must match [a-z0-9_]+"])
    }

    func testInvalidYAMLPositionFromLibyaml() {
        XCTAssertEqual(diagnostics("inputs:\n  gen:\n    type: sequence\n   bad: indent\n"),
                       ["p.yaml:4:4: invalid YAML: did not find expected key (while parsing a block mapping)"])
        XCTAssertEqual(diagnostics("inputs:\n  gen: {type: sequence\noutputs: {}\n"),
                       ["p.yaml:3:8: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping)"])
    }

    func testEmptyFileAndNoComponents() {
        XCTAssertEqual(diagnostics(""), ["p.yaml:1:1: the pipeline file is empty"])
        XCTAssertEqual(diagnostics("data_dir: /tmp\n"), ["p.yaml:1:1: the pipeline declares no components (add inputs: and outputs:)"])
    }

    func testEveryErrorOfAFileIsReportedAtOnce() {
        let outcome = TestComponents().load("""
        shutdown_timeout: soon
        inputs:
          gen:
            type: sequence
            count: many
        outputs:
          out:
            type: capture
            inputs: [gne]
          sink:
            type: metrics_sink
            inputs: [gen]
        """, file: "p.yaml")
        XCTAssertNil(outcome.config)
        XCTAssertEqual(outcome.diagnostics.map(\.description), [
            #"p.yaml:1:19: shutdown_timeout: expected a duration like "15s" or "500ms", got 'soon'"#,
            "p.yaml:5:12: inputs.gen.count: expected an integer between 0 and 1000000000, got 'many'",
            "p.yaml:9:13: outputs.out.inputs: unknown component 'gne' in inputs; did you mean 'gen'?",
            "p.yaml:12:13: outputs.sink.inputs: 'gen' (sequence) produces logs but metrics_sink 'sink' accepts only metrics",
        ])
    }

    func testWarningForComponentNothingReads() throws {
        let outcome = TestComponents().load("""
        inputs:
          gen: {type: sequence}
          unused: {type: sequence}
        transforms:
          t: {type: pass, inputs: [gen]}
        outputs:
          out: {type: capture, inputs: [gen]}
        """, file: "p.yaml")
        XCTAssertNotNil(outcome.config, "warnings do not fail the load")
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings.map(\.description), [
            "p.yaml:3:11: warning: inputs.unused: nothing reads 'unused': its events are discarded",
            "p.yaml:5:6: warning: transforms.t: nothing reads 't': its events are discarded",
        ])
        XCTAssertEqual(outcome.warnings.first?.severity, .warning)
    }

    func testBufferOptionsAreValidated() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        outputs:
          out:
            type: capture
            inputs: [gen]
            buffer: {when_full: drop_oldest, max_events: 0, type: tape}
        """), [
            "p.yaml:7:25: outputs.out.buffer.when_full: expected one of block, drop_newest, got 'drop_oldest'",
            "p.yaml:7:50: outputs.out.buffer.max_events: expected an integer between 1 and 100000000, got '0'",
            "p.yaml:7:59: outputs.out.buffer.type: expected one of memory, disk, got 'tape'",
        ])
    }

    func testADiskBufferOnlyWhereTheOutputHasOne() {
        XCTAssertEqual(diagnostics("""
        inputs:
          gen: {type: sequence}
        outputs:
          out:
            type: capture
            inputs: [gen]
            buffer: {type: disk, max_size: 1GiB, fsync: sometimes}
        """), [
            "p.yaml:7:20: outputs.out.buffer.type: capture has no disk buffer; use type: memory",
            "p.yaml:7:49: outputs.out.buffer.fsync: expected one of always, interval, got 'sometimes'",
        ])
    }
}
