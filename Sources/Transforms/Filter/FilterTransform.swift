import Pipeline

/// `filter`: keeps the events that match `condition` (logs or metrics; emits what it gets).
///
/// - condition (mapping, required): see `FilterCondition`.
public struct FilterTransformConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "filter", role: .transform, accepts: .logsAndMetrics,
                                                    produces: .sameAsInput) { FilterTransformConfig(reader: $0) }

    let condition: FilterCondition?

    init(reader: ConfigReader) {
        if let c = reader.child("condition") {
            condition = FilterCondition.decode(c)
            c.finish()
        } else {
            reader.error(nil, "missing required option 'condition'")
            condition = nil
        }
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .transform(FilterTransform(condition: condition!))
    }
}

struct FilterTransform: TransformStage {
    let condition: FilterCondition

    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        if var logs = batch.takeLogs() {
            let kept = (0..<logs.count).map { FilterEvaluator.matches(condition, logs: logs, $0) }
            logs.retain { kept[$0] }
            output.emit(.logs(logs))
        } else if var metrics = batch.takeMetrics() {
            let kept = (0..<metrics.count).map { FilterEvaluator.matches(condition, metrics: metrics, $0) }
            metrics.retain { kept[$0] }
            output.emit(.metrics(metrics))
        }
    }
}
