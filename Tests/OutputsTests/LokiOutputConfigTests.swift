@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// The loki output's options: every mistake reported at its place, with its exact text.
final class LokiOutputConfigTests: XCTestCase {
    private func load(_ options: String) -> ConfigLoader.Outcome {
        let registry = ComponentRegistry(TestComponents().registry.types + [LokiOutputConfig.componentType])
        return ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              out:
                type: loki
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
    }

    func testBadOptionsArePositioned() {
        let outcome = load("""
            url: "http://127.0.0.1:3100"
            labels:
              app: "{{ appname }}"
              9lives: "x"
              __name__: "y"
              host: "{{ hostname"
            encoding: avro
            tenant: "team a"
            max_line_bytes: 10
            line_too_long: wrap
            line: xml
            headers: { X-Scope-OrgID: other }
            batch: { max_bytes: 8MiB }
            """)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "test.yaml:10:15: outputs.out.labels.9lives: '9lives' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*)",
            "test.yaml:11:17: outputs.out.labels.__name__: '__name__' is not a usable label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*)",
            "test.yaml:12:13: outputs.out.labels.host: label 'host': unclosed '{{' in '{{ hostname'",
            "test.yaml:13:15: outputs.out.encoding: expected one of protobuf, json, got 'avro'",
            "test.yaml:14:13: outputs.out.tenant: expected 1 to 150 of a-z A-Z 0-9 ! - _ . * ' ( ) (a Loki tenant ID), got 'team a'",
            "test.yaml:15:21: outputs.out.max_line_bytes: must be at least 64 bytes, got 10",
            "test.yaml:16:20: outputs.out.line_too_long: expected one of truncate, drop, got 'wrap'",
            "test.yaml:17:11: outputs.out.line: expected one of message, json, got 'xml'",
            "test.yaml:18:14: outputs.out.headers: 'X-Scope-OrgID' is set by the output itself and cannot be overridden",
            "test.yaml:19:25: outputs.out.batch.max_bytes: must be at most 4032KiB (Loki refuses pushes over 4MiB of protobuf (gRPC limit); some room is left for its re-encoding)",
        ])
    }

    func testCompressionFollowsTheEncoding() {
        let outcome = load("url: \"http://l:3100\"\nlabels: { app: x }\ncompression: gzip")
        XCTAssertEqual(outcome.errors.map(\.description), ["test.yaml:9:18: outputs.out.compression: expected one of snappy, got 'gzip'"])
        XCTAssertEqual(load("url: \"http://l:3100\"\nlabels: { app: x }\nencoding: json\ncompression: snappy").errors.map(\.description),
                       ["test.yaml:10:18: outputs.out.compression: expected one of gzip, none, got 'snappy'"])
        XCTAssertEqual(load("url: \"http://l:3100\"\nlabels: { app: x }\nencoding: json\ncompression: none").errors, [])
    }

    func testWarnsOfLabelsThatMintAStreamPerEvent() {
        let outcome = load("url: \"http://l:3100\"\nlabels: { app: \"{{ appname }}\", req: \"r-{{ request_id }}\" }")
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings.map(\.description), [
            "test.yaml:8:42: warning: outputs.out.labels.req: label 'req' reads 'request_id', which changes with nearly every event: each value makes a new Loki stream (keep it in the line instead)",
        ])
        XCTAssertEqual(load("url: \"http://l:3100\"").warnings.map(\.description),
                       [#"test.yaml:5:5: warning: outputs.out: no labels: every event goes to the one stream {agent="pipectl"}"#])
    }
}
