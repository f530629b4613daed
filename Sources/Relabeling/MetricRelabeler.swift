import Pipeline

/// Runs a `RelabelProgram` over series of a `MetricBatch` one at a time and appends each kept
/// result to that batch: the path the `relabel` transform and `prometheus_scrape`'s
/// `metric_relabel` share.
///
/// A series' name and labels are spans of the batch. `relabel` reads them (with `__name__`, the
/// span `begin` stored) and runs the rules; `appendResult` writes the bytes the rules produced to
/// the arena in one write and appends the result row (or `replaceWithResult` puts it in the
/// original row's place), labels sorted by name, those starting `__` removed as Prometheus
/// removes them. Scratch arrays
/// are reused, so a series costs no allocation once they have grown; a relabeler belongs to one
/// stage's thread, like its program.
package struct MetricRelabeler: Sendable {
    package let program: RelabelProgram
    private var labelSet = RelabelLabelSet()
    private var workspace = RelabelWorkspace()
    private var resultName = ByteSpan(offset: 0, length: 0)
    /// Whether `begin` has stored `__name__` in the batch.
    private var begun = false

    package init(program: RelabelProgram) {
        self.program = program
    }

    /// Stores `__name__` in `batch`; call once per batch before relabeling its series.
    package mutating func begin(_ batch: inout MetricBatch) {
        labelSet.startBatch(nameLabel: RelabelLabelSet.nameLabel.withUnsafeBytes { batch.store($0) })
        begun = true
    }

    /// Runs the rules over the series `name` with `labels` (spans of `batch`); true when it is
    /// kept, its result then waiting for `appendResult`. (A concrete slice, not a generic
    /// sequence: unspecialised across modules, iterating one allocates per label.)
    package mutating func relabel(name: ByteSpan, labels: ArraySlice<LabelRecord>, of batch: MetricBatch) -> Bool {
        guard begun else { preconditionFailure("BUG: MetricRelabeler.relabel before begin") }
        return batch.arena.withUnsafeReadableBytes { arena in
            labelSet.reset(base: arena, baseStart: batch.arena.readerIndex)
            labelSet.addOriginals(name: name, labels: labels)
            guard program.apply(&labelSet, &workspace), let name = labelSet.finish() else { return false }
            resultName = name
            return true
        }
    }

    /// Appends the series the last `relabel` kept, with `value`, `timestamp` and `kind`.
    package mutating func appendResult(value: Double, timestamp: Int64, kind: MetricKind, to batch: inout MetricBatch) {
        storeScratch(in: &batch)
        batch.append(nameSpan: resultName, labels: labelSet.labels[...], value: value, timestamp: timestamp, kind: kind)
    }

    /// Makes sample `index` of `batch` the series the last `relabel` kept (`MetricBatch.replaceSeries`).
    package mutating func replaceWithResult(_ index: Int, in batch: inout MetricBatch) {
        storeScratch(in: &batch)
        batch.replaceSeries(index, nameSpan: resultName, labels: labelSet.labels[...])
    }

    /// Writes the bytes the rules produced to the arena, where their spans point.
    private func storeScratch(in batch: inout MetricBatch) {
        guard !labelSet.scratch.isEmpty else { return }
        let stored = labelSet.scratch.withUnsafeBytes { batch.store($0) }
        guard Int(stored.offset) == labelSet.scratchStart else { preconditionFailure("BUG: arena grew while relabeling") }
    }

    /// `relabel` then `appendResult`, for labels the caller holds outside `batch`'s rows; false
    /// when the rules drop the series.
    package mutating func append(name: ByteSpan, labels: ArraySlice<LabelRecord>, value: Double, timestamp: Int64,
                                 kind: MetricKind, to batch: inout MetricBatch) -> Bool {
        guard relabel(name: name, labels: labels, of: batch) else { return false }
        appendResult(value: value, timestamp: timestamp, kind: kind, to: &batch)
        return true
    }
}
