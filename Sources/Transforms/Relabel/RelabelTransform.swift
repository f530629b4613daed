import Atomics
import Pipeline

/// Runs `relabel` over metric batches in place: each series' labels (with `__name__`) are
/// gathered once, the rules applied, and the result appended to the same batch, whose
/// original rows are then dropped. Values the rules wrote go into the arena in one write
/// per batch; unchanged names and values keep pointing at their original bytes.
struct RelabelTransform: TransformStage {
    /// A kept series: its original row and its result's name and labels (in `resultLabels`).
    private struct Row {
        var index: Int
        var name: ByteSpan
        var labels: Range<Int>
    }

    let program: RelabelProgram
    let dropped: ManagedAtomic<Int>
    private var labelSet = RelabelLabelSet()
    private var rows: [Row] = []
    private var resultLabels: [LabelRecord] = []
    private var seriesLabels: [LabelRecord] = []

    init(program: RelabelProgram, dropped: ManagedAtomic<Int>) {
        self.program = program
        self.dropped = dropped
    }

    mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        guard var metrics = batch.takeMetrics() else { return output.emit(batch) }
        let count = metrics.count
        metrics.arena.withUnsafeReadableBytes { arena in
            relabel(metrics, arena: arena, baseStart: metrics.arena.readerIndex)
        }
        if count - rows.count > 0 { dropped.wrappingIncrement(by: count - rows.count, ordering: .relaxed) }
        let stored = labelSet.scratch.withUnsafeBytes { metrics.store($0) }
        guard Int(stored.offset) == labelSet.scratchStart else { preconditionFailure("BUG: arena grew while relabeling") }
        for row in rows {
            let record = metrics.records[row.index]
            metrics.append(nameSpan: row.name, labels: resultLabels[row.labels], value: record.value,
                           timestamp: record.timestamp, kind: record.kind)
        }
        metrics.retain { $0 >= count }
        output.emit(.metrics(metrics))
    }

    /// Applies the rules to every series, filling `rows` and `resultLabels`.
    private mutating func relabel(_ metrics: MetricBatch, arena: UnsafeRawBufferPointer, baseStart: Int) {
        rows.removeAll(keepingCapacity: true)
        resultLabels.removeAll(keepingCapacity: true)
        labelSet.reset(base: arena, baseStart: baseStart)
        let nameLabel = RelabelLabelSet.nameLabel.withUnsafeBytes { labelSet.store($0) }
        for i in 0..<metrics.count {
            labelSet.beginSeries()
            labelSet.addOriginal(name: nameLabel, value: metrics.records[i].name)
            for label in metrics.labels(of: i) { labelSet.addOriginal(name: label.name, value: label.value) }
            labelSet.sortOriginals()
            guard program.apply(&labelSet), let name = labelSet.result(into: &seriesLabels) else { continue }
            rows.append(Row(index: i, name: name, labels: resultLabels.count..<(resultLabels.count + seriesLabels.count)))
            resultLabels.append(contentsOf: seriesLabels)
        }
    }
}
