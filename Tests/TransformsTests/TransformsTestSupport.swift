import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// The real transform types plus PipelineTesting's test types.
let transformsRegistry = ComponentRegistry(TestComponents().registry.types + [
    FilterTransformConfig.componentType,
    L2metTransformConfig.componentType,
    LogfmtTransformConfig.componentType,
    LogToMetricTransformConfig.componentType,
])

/// Loads a pipeline `src (static) → f (transform) → out (capture)` with `f` declared by `options`
/// (YAML lines indented under `f:`).
func loadTransform(_ type: String, _ options: String, file: String = "t.yaml") -> ConfigLoader.Outcome {
    let indented = options.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    let text = """
        inputs:
          src: { type: static }
        transforms:
          f:
            type: \(type)
            inputs: [src]
        \(indented)
        outputs:
          out: { type: capture, inputs: [f] }
        """
    return ConfigLoader.load(text: text, file: file, registry: transformsRegistry)
}

/// Runs `stage` over one batch and returns what it emitted.
func transform(_ stage: inout some TransformStage, _ batch: EventBatch) -> [EventBatch] {
    var output = TransformOutput()
    stage.process(batch, into: &output)
    return output.batches.map { $0.batch }
}

/// The events of a log batch as `[field name: value]` (the message under `message`).
func records(_ logs: LogBatch) -> [[String: FieldLiteral]] {
    (0..<logs.count).map { i in
        var r: [String: FieldLiteral] = ["message": .string(logs.message(i))]
        logs.forEachField(i) { key, value in r[logs.name(of: key)] = logs.literal(value) }
        return r
    }
}

/// The field names of event `i` in order (repeats would show a duplicate field).
func fieldNames(_ logs: LogBatch, _ i: Int) -> [String] {
    var names: [String] = []
    logs.forEachField(i) { key, _ in names.append(logs.name(of: key)) }
    return names
}

/// A log batch with one event per message, each with `fields` set from literals.
func logBatch(_ events: [(message: String, fields: [(String, FieldLiteral)])]) -> LogBatch {
    var batch = LogBatch()
    for (n, event) in events.enumerated() {
        let i = batch.append(timestamp: Int64(n), message: event.message)
        for (name, literal) in event.fields {
            let value: FieldValue
            switch literal {
            case .string(let s): value = .bytes(batch.store(s))
            case .int(let v): value = .int(v)
            case .double(let v): value = .double(v)
            case .bool(let v): value = .bool(v)
            }
            batch.setField(i, FieldName(name), value)
        }
    }
    return batch
}

extension LogBatch {
    /// Every message, in order.
    var messages: [String] { (0..<count).map { message($0) } }
}
