import Atomics
import Foundation
import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// The transform test types plus `relabel`.
let relabelRegistry = ComponentRegistry(transformsRegistry.types + [RelabelTransformConfig.componentType])

/// Loads `src → f (relabel with options) → out` (options are YAML lines indented under `f:`).
func loadRelabel(_ options: String, file: String = "t.yaml") -> ConfigLoader.Outcome {
    let indented = options.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    let text = """
        inputs:
          src: { type: metric_source }
        transforms:
          f:
            type: relabel
            inputs: [src]
        \(indented)
        outputs:
          out: { type: capture, inputs: [f] }
        """
    return ConfigLoader.load(text: text, file: file, registry: relabelRegistry)
}

/// A relabel stage built from `rules` (YAML of the `rules:` list, which must load cleanly)
/// and its drop counter.
func makeRelabel(_ rules: String, file: StaticString = #filePath, line: UInt = #line) -> (RelabelTransform, ManagedAtomic<Int>)? {
    let outcome = loadRelabel("rules:\n" + rules)
    XCTAssertEqual(outcome.errors.map(\.description), [], file: file, line: line)
    guard let config = outcome.config?.component("f")?.config as? RelabelTransformConfig else { return nil }
    let dropped = ManagedAtomic(0)
    guard let stage = try? config.makeTransform(dropped: dropped) else { return nil }
    return (stage, dropped)
}

/// Runs `rules` over `series` (`name{label="value",…}`, one sample each) and returns what
/// comes out in the same notation, labels sorted.
func relabel(_ rules: String, _ series: [String], file: StaticString = #filePath, line: UInt = #line) -> [String] {
    guard var (stage, _) = makeRelabel(rules, file: file, line: line) else { return ["<no stage>"] }
    return transform(&stage, .metrics(metricBatch(series))).flatMap(renderSeries)
}

/// A batch with one gauge sample per series; sample `i` has value `i` and timestamp `1000 + i`.
func metricBatch(_ series: [String]) -> MetricBatch {
    var batch = MetricBatch()
    for (i, text) in series.enumerated() {
        let (name, labels) = parseSeries(text)
        batch.append(name: name, labels: labels, value: Double(i), timestamp: 1000 + Int64(i), kind: .gauge)
    }
    return batch
}

/// Parses `up{job="a",instance="b"}` (values may escape `\"`, `\\`, `\n`).
func parseSeries(_ text: String) -> (String, [(String, String)]) {
    guard let open = text.firstIndex(of: "{") else { return (text, []) }
    var labels: [(String, String)] = []
    var rest = text[text.index(after: open)...].dropLast()
    while let eq = rest.firstIndex(of: "=") {
        let name = String(rest[..<eq]).trimmingCharacters(in: [",", " "])
        var value = ""
        var i = rest.index(eq, offsetBy: 2)
        while rest[i] != "\"" {
            if rest[i] == "\\" {
                i = rest.index(after: i)
                value.append(rest[i] == "n" ? "\n" : rest[i])
            } else {
                value.append(rest[i])
            }
            i = rest.index(after: i)
        }
        labels.append((name, value))
        rest = rest[rest.index(after: i)...]
    }
    return (String(text[..<open]), labels)
}

/// The series of a batch as `name{label="value",…}`, labels sorted by name.
func renderSeries(_ batch: EventBatch) -> [String] {
    guard case .metrics(let metrics) = batch else { return ["<logs>"] }
    return (0..<metrics.count).map { i in
        let labels = metrics.labelPairs(i).sorted { $0.0 < $1.0 }
        if labels.isEmpty { return metrics.name(i) }
        let escaped = labels.map { name, value in
            let v = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(v)\""
        }
        return metrics.name(i) + "{" + escaped.joined(separator: ",") + "}"
    }
}
