import Foundation
import Logging
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Events and pipelines for the loki output's tests.
enum LokiOutputTesting {
    /// 2026-11-29T18:00:00Z in nanoseconds; event `id` is stamped `id` microseconds later.
    static let epoch: Int64 = 1_795_975_200_000_000_000

    /// Events `ids`, message `m<id>`, app `app<id % apps>`, in batches of `batchSize`; with
    /// `newestFirst` each batch holds its events in reverse, so the output has to sort them.
    static func batches(_ ids: Range<Int>, batchSize: Int = 100, apps: Int = 3, newestFirst: Bool = false) -> [EventBatch] {
        stride(from: ids.lowerBound, to: ids.upperBound, by: batchSize).map { first in
            var batch = LogBatch()
            let range = first..<min(first + batchSize, ids.upperBound)
            for id in newestFirst ? Array(range.reversed()) : Array(range) {
                let i = batch.append(timestamp: epoch + Int64(id) * 1000, message: "m\(id)")
                batch.setField(i, .known(.appname), .bytes(batch.store("app\(id % apps)")))
                batch.setField(i, .known(.hostname), .bytes(batch.store("web")))
            }
            return .logs(batch)
        }
    }

    /// The stream of event `id` with labels `{app: "{{ appname }}", host: "{{ hostname }}"}`.
    static func stream(_ id: Int, apps: Int = 3) -> String { #"{app="app\#(id % apps)", host="web"}"# }

    /// What Loki must hold for events `ids`: each stream's entries in time order.
    static func expected(_ ids: Range<Int>, apps: Int = 3) -> [String: [LokiDecodedStream.Entry]] {
        Dictionary(grouping: ids, by: { stream($0, apps: apps) }).mapValues { group in
            group.sorted().map { LokiDecodedStream.Entry(timestamp: epoch + Int64($0) * 1000, line: "m\($0)") }
        }
    }

    /// The labels option most tests use.
    static let labels = #"labels: { app: "{{ appname }}", host: "{{ hostname }}" }"#

    /// A loaded, prepared `static → loki(out)` pipeline over `batches`.
    static func topology(_ test: XCTestCase, port: Int, options: String, batches: [EventBatch],
                         dataDirectory: String? = nil) async throws -> Topology {
        let dataDirectory = try dataDirectory ?? temporaryDirectory(test).path
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [LokiOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 30s
            inputs:
              src: { type: static }
            outputs:
              out:
                type: loki
                inputs: [src]
                url: "http://127.0.0.1:\(port)"
                retry: { initial_backoff: 10ms, max_backoff: 100ms }
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await topology.prepare()
        return topology
    }

    static func metrics(_ topology: Topology) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == "out" }!.metrics
    }

    static func errors(_ metrics: ComponentMetrics, _ kind: String) -> Int {
        metrics.errorCounts.first { $0.0 == kind }?.1 ?? 0
    }

    static func dropped(_ metrics: ComponentMetrics, _ reason: String) -> Int {
        metrics.dropCounts.first { $0.0 == reason }?.1 ?? 0
    }

    /// The lines of the dead-letter file of output `out`.
    static func deadLetters(_ dataDirectory: String) -> [String] {
        let text = (try? String(contentsOfFile: dataDirectory + "/dead_letter/out.ndjson", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }
}
