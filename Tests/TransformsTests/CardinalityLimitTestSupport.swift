import Atomics
import Foundation
import NIOCore
import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// Loads `metric_source → f (cardinality_limit, declared by `options` under `f:`) → capture`.
func loadCardinalityLimit(_ options: String) -> ConfigLoader.Outcome {
    let registry = ComponentRegistry(TestComponents().registry.types + [CardinalityLimitTransformConfig.componentType])
    let indented = options.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    return ConfigLoader.load(text: """
        inputs:
          src: { type: metric_source }
        transforms:
          f:
            type: cardinality_limit
            inputs: [src]
        \(indented)
        outputs:
          out: { type: capture, inputs: [f] }
        """, file: "t.yaml", registry: registry)
}

/// A `cardinality_limit` stage built from `options` (which must load), its counters and the
/// clock (Unix ns) it reads, which the test moves.
final class CardinalityLimitHarness {
    var stage: CardinalityLimitTransform
    let metrics = ComponentMetrics(id: "f")
    let config: CardinalityLimitTransformConfig
    private let now = ManagedAtomic<Int64>(0)

    init(_ options: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = loadCardinalityLimit(options)
        XCTAssertEqual(outcome.errors.map(\.description), [], file: file, line: line)
        config = outcome.config!.component("f")!.config as! CardinalityLimitTransformConfig
        let clock = now
        stage = config.makeTransform(metrics: metrics, seed: 42, clock: { clock.load(ordering: .relaxed) })
    }

    /// Moves the clock to `seconds` after the epoch.
    func at(_ seconds: Int64) { now.store(seconds * 1_000_000_000, ordering: .relaxed) }

    /// Runs one batch of `samples` (`name{a="x",…}`, value 1) and returns what passed, rendered.
    func run(_ samples: [String]) -> [String] {
        var batch = MetricBatch()
        for s in samples {
            let (name, labels) = seriesParts(s)
            batch.append(name: name, labels: labels, value: 1, timestamp: 0, kind: .gauge)
        }
        return samplesInOrder(runTransform(&stage, .metrics(batch)))
    }

    /// The drop counter `cardinality`.
    var dropped: Int { metrics.dropCounts.first { $0.0 == "cardinality" }?.1 ?? 0 }

    /// The component's `state` in `/v1/components`, parsed.
    func state() throws -> [String: Any] {
        var buffer = ByteBuffer()
        let write = try XCTUnwrap(metrics.state.withLockedValue { $0 })
        write(&buffer)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }
}

/// `name{a="x",b="y"}` (or `name`) as a name and label pairs.
private func seriesParts(_ text: String) -> (String, [(String, String)]) {
    guard let brace = text.firstIndex(of: "{") else { return (text, []) }
    let inner = text[text.index(after: brace)..<text.index(before: text.endIndex)]
    let labels = inner.split(separator: ",").map { pair -> (String, String) in
        let parts = pair.split(separator: "=", maxSplits: 1)
        return (String(parts[0]), String(parts[1].dropFirst().dropLast()))
    }
    return (String(text[..<brace]), labels)
}

/// Every sample as `name{a="x"}`, in batch order.
private func samplesInOrder(_ batches: [EventBatch]) -> [String] {
    var lines: [String] = []
    for case .metrics(let m) in batches {
        for i in 0..<m.count {
            let labels = m.labelPairs(i).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
            lines.append(m.name(i) + (labels.isEmpty ? "" : "{\(labels)}"))
        }
    }
    return lines
}
