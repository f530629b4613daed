import Foundation
import XCTest

/// `pipectl validate`, `graph`, `version` and usage errors, run as a child process.
final class ValidateCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        _ = try Pipectl.binary()  // fails clearly when `swift build` has not run
        dir = try temporaryDirectory(self)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func testEveryShippedPipelineValidates() throws {
        let folder = Pipectl.packageRoot.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        XCTAssertFalse(files.isEmpty, "no pipelines in \(folder.path)")
        for name in files {
            let result = try pipectl(["validate", folder.appendingPathComponent(name).path], in: folder)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            XCTAssertNotNil(result.stdout.range(of: #"^ok: \d+ inputs, \d+ transforms, \d+ outputs\n$"#, options: .regularExpression),
                            "\(name): \(result.stdout)")
        }
    }

    func testReportsEveryErrorWithPositionAndCount() throws {
        try write("errs.yaml", """
            data_dir: ./data
            shutdown_timeout: ${SECRET_X}
            inputs:
              gen:
                type: demoo
              src:
                type: demo
                rate: fast
            transforms:
              f:
                type: filter
                inputs: [src]
                condition: { field: status }
            outputs:
              out:
                type: file
                inputs: [missing]

            """)
        let result = try pipectl(["validate", "errs.yaml"], in: dir, environment: ["SECRET_X": "hunter2-secret"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(withoutKnownLists(lines(result.stderr)), [
            "errs.yaml:2:19: shutdown_timeout: expected a duration like \"15s\" or \"500ms\", got '<redacted>'",
            "errs.yaml:5:11: inputs.gen.type: unknown input type 'demoo'; did you mean 'demo'? (known: …)",
            "errs.yaml:8:11: inputs.src.rate: expected an integer between 0 and 100000000, got 'fast'",
            "errs.yaml:13:16: transforms.f.condition: a condition needs one operator: equals, not_equals, in, contains, "
                + "starts_with, ends_with, exists, gt, gte, lt, lte (or all/any/not)",
            "errs.yaml:16:5: outputs.out: missing required option 'path'",
            "errs.yaml:17:13: outputs.out.inputs: unknown component 'missing' in inputs",
            "6 errors in errs.yaml",
        ])
        XCTAssertFalse((result.stdout + result.stderr).contains("hunter2"), "an environment value is never printed")
    }

    func testUnknownTypeInTheWrongSection() throws {
        try write("p.yaml", """
            inputs:
              a: { type: blackhole }
            outputs:
              b: { type: stdout, inputs: [a] }
            """)
        let result = try pipectl(["validate", "p.yaml"], in: dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(withoutKnownLists(lines(result.stderr)), [
            "p.yaml:2:14: inputs.a.type: unknown input type 'blackhole'; 'blackhole' is an output: declare it under outputs: (known: …)",
        ], "one error: one line, no summary")
    }

    /// The lines with each `(known: a, b, …)` list replaced by `(known: …)`, after checking
    /// that it names the input types every build has (the list grows with new components).
    private func withoutKnownLists(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) -> [String] {
        lines.map { text in
            guard let start = text.range(of: "(known: "), let end = text[start.upperBound...].firstIndex(of: ")") else { return text }
            let known = text[start.upperBound..<end].components(separatedBy: ", ")
            XCTAssertEqual(known, known.sorted(), "known types are sorted", file: file, line: line)
            for type in ["demo", "file", "internal_metrics", "stdin"] {
                XCTAssertTrue(known.contains(type), "\(type) missing from \(known)", file: file, line: line)
            }
            return text[..<start.upperBound] + "…" + text[end...]
        }
    }

    func testMissingFile() throws {
        let result = try pipectl(["validate", "nope.yaml"], in: dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(lines(result.stderr), ["nope.yaml:1:1: cannot read pipeline file: no such file"], "one clear line")
        XCTAssertTrue(result.stderr.hasPrefix("nope.yaml:1:1: cannot read pipeline file: no such file\n"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Usage"), result.stderr)
    }

    func testDirectoryInsteadOfFile() throws {
        let result = try pipectl(["validate", "."], in: dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix(".:1:1: cannot read pipeline file: is a directory\n"), result.stderr)
    }

    func testInvalidYAMLGivesLineAndColumn() throws {
        try write("bad.yaml", "inputs:\n  a: { type: demo\noutputs: [\n")
        let result = try pipectl(["validate", "bad.yaml"], in: dir)
        XCTAssertEqual(result.status, 1)
        let first = try XCTUnwrap(lines(result.stderr).first)
        XCTAssertNotNil(first.range(of: #"^bad\.yaml:[0-9]+:[0-9]+: invalid YAML: .+"#, options: .regularExpression), first)
        XCTAssertEqual(lines(result.stderr).count, 1, "one error: one line")
    }

    func testEmptyFile() throws {
        try write("empty.yaml", "# nothing here\n")
        let result = try pipectl(["validate", "empty.yaml"], in: dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(lines(result.stderr), ["empty.yaml:1:1: the pipeline file is empty"])
    }

    func testUsageErrorsExit2() throws {
        try write("ok.yaml", "inputs:\n  a: { type: demo }\noutputs:\n  b: { type: blackhole, inputs: [a] }\n")
        let cases: [([String], [String: String], String)] = [
            (["validate", "--bogus", "ok.yaml"], [:], "Unknown option '--bogus'"),
            (["frobnicate"], [:], "frobnicate"),
            (["validate"], [:], "Missing expected argument"),
            (["run", "--log-level", "loud", "ok.yaml"], [:], "log level 'loud' is not one of"),
            (["run", "--log-format", "xml", "ok.yaml"], [:], "log format 'xml' is not text or json"),
            (["run", "ok.yaml"], ["PIPECTL_LOG_LEVEL": "loud"], "log level 'loud'"),
            (["graph", "--format", "png", "ok.yaml"], [:], "png"),
        ]
        for (arguments, environment, needle) in cases {
            let result = try pipectl(arguments, in: dir, environment: environment, timeout: 15)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(needle), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("Usage") || result.stderr.contains("Error"), "\(arguments): \(result.stderr)")
        }
    }

    func testGraphDotAndMermaid() throws {
        try write("g.yaml", """
            inputs:
              src: { type: demo }
            transforms:
              parsed: { type: logfmt, inputs: [src] }
              errors: { type: filter, inputs: [parsed], condition: { field: status, gte: 500 } }
            outputs:
              all: { type: blackhole, inputs: [parsed] }
              bad: { type: stdout, inputs: [errors, src] }
            """)
        let dot = try pipectl(["graph", "g.yaml"], in: dir)
        XCTAssertEqual(dot.status, 0, dot.stderr)
        XCTAssertTrue(dot.stdout.hasPrefix("digraph pipeline {\n"), dot.stdout)
        for edge in ["\"src\" -> \"parsed\";", "\"parsed\" -> \"errors\";", "\"parsed\" -> \"all\";", "\"errors\" -> \"bad\";",
                     "\"src\" -> \"bad\";", "\"src\" [shape=box, label=\"src\\n(demo)\"];"] {
            XCTAssertTrue(dot.stdout.contains(edge), "missing \(edge) in\n\(dot.stdout)")
        }
        XCTAssertEqual(dot.stdout, try pipectl(["graph", "--format", "dot", "g.yaml"], in: dir).stdout, "dot is the default")

        let mermaid = try pipectl(["graph", "--format", "mermaid", "g.yaml"], in: dir)
        XCTAssertEqual(mermaid.status, 0, mermaid.stderr)
        XCTAssertTrue(mermaid.stdout.hasPrefix("flowchart LR\n"), mermaid.stdout)
        for edge in ["  src --> parsed\n", "  parsed --> errors\n", "  parsed --> all\n", "  errors --> bad\n", "  src --> bad\n",
                     "  all[[\"all (blackhole)\"]]\n"] {
            XCTAssertTrue(mermaid.stdout.contains(edge), "missing \(edge) in\n\(mermaid.stdout)")
        }
    }

    func testSpansAndPortsAreCheckedKindByKind() throws {
        try write("otel.yaml", """
            inputs:
              otel: { type: opentelemetry, listen: "127.0.0.1:4318" }
            transforms:
              red: { type: span_metrics, inputs: [otel] }
              ok: { type: span_metrics, inputs: [otel.traces] }
            outputs:
              logs: { type: file, inputs: [otel.logs], path: ./l }
              vm: { type: prometheus_remote_write, inputs: [red, ok.metrics, otel.metrics], url: "http://127.0.0.1:8428/api/v1/write" }
              f: { type: file, inputs: [otel.bogus, ok], path: ./f }

            """)
        let result = try pipectl(["validate", "otel.yaml"], in: dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(lines(result.stderr), [
            "otel.yaml:4:38: transforms.red.inputs: 'otel' (opentelemetry) produces logs and metrics but span_metrics 'red' accepts only spans; read one of its ports: otel.traces",
            "otel.yaml:8:48: outputs.vm.inputs: 'red' (span_metrics) produces spans but prometheus_remote_write 'vm' accepts only metrics; read one of its ports: red.metrics",
            "otel.yaml:9:28: outputs.f.inputs: 'otel' has no port 'bogus' (its ports: logs, metrics, traces)",
            "3 errors in otel.yaml",
        ])
    }

    func testGraphOfAnInvalidPipelineFails() throws {
        try write("g.yaml", "inputs:\n  src: { type: nope }\n")
        let result = try pipectl(["graph", "g.yaml"], in: dir)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(lines(result.stderr).first?.hasPrefix("g.yaml:2:16: inputs.src.type: unknown input type 'nope'") == true, result.stderr)
    }

    func testVersionNamesThisMachinesArchitectureAndTheCompiler() throws {
        let result = try pipectl(["version"], in: dir)
        XCTAssertEqual(result.status, 0)
        XCTAssertNotNil(result.stdout.range(of: #"^pipectl \d+\.\d+\.\d+ \((debug|release), linux-[a-z0-9_]+, swift \d+\.\d+( or later)?\)\n$"#,
                                            options: .regularExpression), result.stdout)
        let uname = Process()
        uname.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        uname.arguments = ["uname", "-m"]
        let pipe = Pipe()
        uname.standardOutput = pipe
        try uname.run()
        let machine = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        uname.waitUntilExit()
        XCTAssertFalse(machine.isEmpty)
        XCTAssertTrue(result.stdout.contains(", linux-\(machine), "), "uname -m says \(machine): \(result.stdout)")
    }
}
