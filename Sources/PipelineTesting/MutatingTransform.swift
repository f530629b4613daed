import Pipeline

/// A transform that changes every log event in place (adds 1 ns to its timestamp), so a
/// batch still shared with another stage would be copied: the probe for batch ownership.
public struct MutatingTransform: TransformStage {
    public init() {}

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        if var logs = batch.takeLogs() {
            for i in 0..<logs.count { logs.setTimestamp(i, logs.records[i].timestamp + 1) }
            output.emit(.logs(logs))
        } else if var metrics = batch.takeMetrics() {
            for i in 0..<metrics.count { metrics.setValue(i, metrics.records[i].value + 1) }
            output.emit(.metrics(metrics))
        }
    }
}
