import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

final class FileOutputTests: XCTestCase {
    private func logBatch(_ messages: [String], from first: Int = 0) -> EventBatch {
        var batch = LogBatch()
        for (n, m) in messages.enumerated() {
            let i = batch.append(timestamp: Int64(first + n) * 1_000_000_000, message: m)
            batch.setField(i, FieldName("n"), .int(Int64(first + n)))
        }
        return .logs(batch)
    }

    /// Runs `static → file` once with `batches` and waits until the pipeline ends by itself.
    private func runOnce(path: String, options: String = "", _ batches: [EventBatch]) async throws -> RunningPipeline {
        let pipeline = try await RunningPipeline("""
            inputs:
              src: { type: static }
            outputs:
              out: { type: file, inputs: [src], path: "\(path)"\(options.isEmpty ? "" : ", " + options) }
            """) { $0.provide("src", .input(StaticInput(batches))) }
        try await pipeline.finished()
        return pipeline
    }

    private func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "every line ends with a newline")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    private func json(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }

    func testCreatesTheFolderAndWritesNDJSON() async throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("nested/deeper/out.ndjson").path
        let pipeline = try await runOnce(path: path, [logBatch(["a", "b \"quoted\"", "c"]), logBatch(["d", "e"], from: 3)])
        let written = try lines(path)
        XCTAssertEqual(written.count, 5)
        XCTAssertEqual(written[0], #"{"timestamp":"1970-01-01T00:00:00.000000000Z","message":"a","n":0}"#)
        XCTAssertEqual(written.map { json($0)?["message"] as? String }, ["a", "b \"quoted\"", "c", "d", "e"])
        XCTAssertEqual(written.map { json($0)?["n"] as? Int }, [0, 1, 2, 3, 4])
        let metrics = pipeline.metrics("out")
        XCTAssertEqual(metrics.receivedEvents.load(ordering: .relaxed), 5)
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 5)
        XCTAssertFalse(metrics.failing.load(ordering: .relaxed))
    }

    func testAppendsAcrossRuns() async throws {
        let path = try temporaryDirectory(self).appendingPathComponent("out.ndjson").path
        try "existing line\n".write(toFile: path, atomically: true, encoding: .utf8)
        _ = try await runOnce(path: path, [logBatch(["first run"])])
        _ = try await runOnce(path: path, [logBatch(["second run"])])
        let written = try lines(path)
        XCTAssertEqual(written.count, 3)
        XCTAssertEqual(written[0], "existing line")
        XCTAssertEqual(written.dropFirst().map { json($0)?["message"] as? String }, ["first run", "second run"])
    }

    func testTextEncoding() async throws {
        let path = try temporaryDirectory(self).appendingPathComponent("out.log").path
        _ = try await runOnce(path: path, options: "encoding: text", [logBatch(["at=info a=1", "", "x"])])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "at=info a=1\n\nx\n")
    }

    func testManyEventsKeepTheirOrder() async throws {
        let path = try temporaryDirectory(self).appendingPathComponent("out.ndjson").path
        let batches = (0..<20).map { b in logBatch((0..<500).map { "event \(b * 500 + $0)" }, from: b * 500) }
        _ = try await runOnce(path: path, batches)
        let written = try lines(path)
        XCTAssertEqual(written.count, 10_000)
        XCTAssertEqual(written.map { json($0)?["n"] as? Int }, Array(0..<10_000))
    }

    func testMetricsAreWrittenAsJSONLines() async throws {
        let path = try temporaryDirectory(self).appendingPathComponent("m.ndjson").path
        let pipeline = try await RunningPipeline("""
            inputs:
              src: { type: metric_source, count: 3 }
            outputs:
              out: { type: file, inputs: [src], path: "\(path)" }
            """)
        try await pipeline.finished()
        XCTAssertEqual(try lines(path), (0..<3).map {
            #"{"timestamp":"1970-01-01T00:00:00.000000000Z","name":"test_metric","labels":{"i":"\#($0)"},"kind":"gauge","value":\#($0)}"#
        })
    }

    func testUnopenablePathFailsAtPrepare() async throws {
        let dir = try temporaryDirectory(self)
        let blocker = dir.appendingPathComponent("regular-file").path
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        for (path, reason) in [(dir.path, "Is a directory"), (blocker + "/out.ndjson", "Not a directory")] {
            do {
                _ = try await RunningPipeline("""
                    inputs:
                      src: { type: static }
                    outputs:
                      out: { type: file, inputs: [src], path: "\(path)" }
                    """)
                XCTFail("prepare should fail for \(path)")
            } catch {
                XCTAssertEqual("\(error)", "outputs.out: cannot open \(path) for appending: \(reason)")
            }
        }
    }

    func testConfigErrors() {
        let registry = ComponentRegistry(TestComponents().registry.types + [FileOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              out: { type: file, inputs: [src], encoding: xml }
            """, file: "f.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "f.yaml:4:8: outputs.out: missing required option 'path'",
            "f.yaml:4:47: outputs.out.encoding: expected one of json, text, got 'xml'",
        ])
    }
}
