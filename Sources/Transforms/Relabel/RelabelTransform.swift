import Atomics
import Pipeline
import Relabeling

/// Runs `relabel` over metric batches in place: each series' result is appended to the same
/// batch by the shared `MetricRelabeler` (labels gathered once, rules applied, only the bytes
/// the rules wrote copied; unchanged names and values keep pointing at their original bytes),
/// and the original rows are then dropped.
struct RelabelTransform: TransformStage {
    let dropped: ManagedAtomic<Int>
    private var relabeler: MetricRelabeler

    init(program: RelabelProgram, dropped: ManagedAtomic<Int>) {
        relabeler = MetricRelabeler(program: program)
        self.dropped = dropped
    }

    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        guard var metrics = batch.takeMetrics() else { return output.emit(batch) }
        let count = metrics.count
        var kept = 0
        relabeler.begin(&metrics)
        for i in 0..<count where relabeler.relabel(name: metrics.records[i].name, labels: metrics.labels(of: i), of: metrics) {
            let record = metrics.records[i]
            relabeler.appendResult(value: record.value, timestamp: record.timestamp, kind: record.kind, to: &metrics)
            kept += 1
        }
        if count - kept > 0 { dropped.wrappingIncrement(by: count - kept, ordering: .relaxed) }
        metrics.retain { $0 >= count }
        output.emit(.metrics(metrics))
    }
}
