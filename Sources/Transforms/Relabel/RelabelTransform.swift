import Atomics
import Pipeline
import Relabeling

/// Runs `relabel` over metric batches in place: each series' result replaces its row (the
/// shared `MetricRelabeler` gathers the labels once, applies the rules and copies only the
/// bytes the rules wrote; unchanged names and values keep pointing at their original bytes),
/// and the rows the rules drop are removed.
struct RelabelTransform: TransformStage {
    let dropped: ManagedAtomic<Int>
    private var relabeler: MetricRelabeler
    private var kept: [Bool] = []

    init(program: RelabelProgram, dropped: ManagedAtomic<Int>) {
        relabeler = MetricRelabeler(program: program)
        self.dropped = dropped
    }

    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        guard var metrics = batch.takeMetrics() else { return output.emit(batch) }
        kept.removeAll(keepingCapacity: true)
        var dropCount = 0
        relabeler.begin(&metrics)
        for i in 0..<metrics.count {
            let keep = relabeler.relabel(name: metrics.records[i].name, labels: metrics.labels(of: i), of: metrics)
            if keep { relabeler.replaceWithResult(i, in: &metrics) } else { dropCount += 1 }
            kept.append(keep)
        }
        if dropCount > 0 {
            dropped.wrappingIncrement(by: dropCount, ordering: .relaxed)
            metrics.retain { kept[$0] }
        }
        output.emit(.metrics(metrics))
    }
}
