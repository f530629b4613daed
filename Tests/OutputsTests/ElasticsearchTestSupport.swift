import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Events and pipeline runs for the elasticsearch output's tests.
enum ElasticsearchTesting {
    /// 2026-11-29T18:00:00Z in nanoseconds; event `id` is stamped `id` microseconds later.
    static let epoch: Int64 = 1_795_975_200_000_000_000

    /// Events `ids`, message `m<id>`, with a few fields, in batches of `batchSize`.
    static func batches(_ ids: Range<Int>, batchSize: Int = 100, time: (Int) -> Int64 = { epoch + Int64($0) * 1000 }) -> [EventBatch] {
        stride(from: ids.lowerBound, to: ids.upperBound, by: batchSize).map { first in
            var batch = LogBatch()
            for id in first..<min(first + batchSize, ids.upperBound) {
                let i = batch.append(timestamp: time(id), message: "m\(id)")
                batch.setField(i, .known(.hostname), .bytes(batch.store("web-\(id % 3)")))
                batch.setField(i, .known(.procid), .int(Int64(id)))
                batch.setField(i, FieldName("status"), .int(200))
                batch.setField(i, FieldName("path"), .bytes(batch.store("/a \"b\"")))
            }
            return .logs(batch)
        }
    }

    struct Run {
        let metrics: ComponentMetrics
        let dataDirectory: String

        var sent: Int { metrics.sentEvents.load(ordering: .relaxed) }
        func errors(_ kind: String) -> Int { metrics.errorCounts.first { $0.0 == kind }?.1 ?? 0 }
        func dropped(_ reason: String) -> Int { metrics.dropCounts.first { $0.0 == reason }?.1 ?? 0 }

        /// Dead-letter records: (header, messages of its events).
        func deadLetters() throws -> [(header: [String: Any], messages: [String])] {
            var records: [(header: [String: Any], messages: [String])] = []
            let text = try String(contentsOfFile: "\(dataDirectory)/dead_letter/es.ndjson", encoding: .utf8)
            for line in text.split(separator: "\n") {
                let object = try XCTUnwrap(StrictElasticsearchReceiver.object(String(line)))
                if let header = object["dead_letter"] as? [String: Any] {
                    records.append((header, []))
                } else {
                    records[records.count - 1].messages.append(try XCTUnwrap(object["message"] as? String))
                }
            }
            return records
        }
    }

    /// Runs `static → elasticsearch(es)` over `batches` until the pipeline ends.
    static func run(_ test: XCTestCase, url: String, options: String = "", batches: [EventBatch],
                    logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) async throws -> Run {
        let dataDirectory = try temporaryDirectory(test).path
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [ElasticsearchOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 30s
            inputs:
              src: { type: static }
            outputs:
              es:
                type: elasticsearch
                inputs: [src]
                url: "\(url)"
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: logger)
        try await topology.prepare()
        try await withTimeout(seconds: 60) { await topology.run() }
        return Run(metrics: topology.telemetry.entries.first { $0.id == "es" }!.metrics, dataDirectory: dataDirectory)
    }

    /// The errors loading an `elasticsearch` output with `options` reports.
    static func configErrors(_ options: String) -> [String] {
        let registry = ComponentRegistry(TestComponents().registry.types + [ElasticsearchOutputConfig.componentType])
        return ConfigLoader.load(text: """
            inputs:
              src: { type: static }
            outputs:
              es:
                type: elasticsearch
                inputs: [src]
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry).errors.map(\.description)
    }
}
