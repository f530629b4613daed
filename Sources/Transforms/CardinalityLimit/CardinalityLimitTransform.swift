import Atomics
import Pipeline

/// The running `cardinality_limit` stage: one hash-set lookup per sample admits a known
/// series; a new one is admitted while its group is under `max_series`, else dropped or
/// relabelled into its metric's overflow series.
///
/// A series counts while it was seen in the current or the previous window: each table
/// entry keeps the window it was last seen in, and at each new window the entries last seen
/// before the previous one are forgotten (so a series stays counted one to two windows after
/// its last sample). Refused series are remembered too (up to `max_series` per group), so
/// each is counted and reported once, and re-admitted when a later window has room.
public struct CardinalityLimitTransform: TransformStage {
    /// What happens to a sample over the cap.
    enum Action: String, CaseIterable, Sendable { case drop, tag }

    /// A refused sample: its index and, for `tag`, its `by` labels in `scratch` (`before` of
    /// them sort before `cardinality_overflow`).
    private struct Refusal {
        var index: Int32
        var labelStart: Int32
        var labelCount: Int32 = 0
        var before: Int32 = 0
    }

    /// The name of the overflow series' label.
    static let overflowLabel = "cardinality_overflow"

    private let maxSeries: Int
    private let window: Int64
    private let action: Action
    /// The `by` label names, sorted, and how many sort before `cardinality_overflow`.
    private let by: [[UInt8]]
    private let overflowPosition: Int
    private let hash: CardinalitySeriesHash
    private let clock: @Sendable () -> Int64
    private let dropped: ManagedAtomic<Int>
    private let report: CardinalityGrowthReport
    private var table = CardinalitySeriesTable()
    private var groups: CardinalityGroups
    private var counters = CardinalityGrowthReport.Counters()
    /// The window (Unix ns / `window`) of the first batch, and the current one counted from it.
    private var origin: Int64?
    private var current: UInt32 = 0
    private var refusals: [Refusal] = []
    private var scratch: [LabelRecord] = []
    private var fresh: [(index: Int32, rejected: Bool)] = []
    public let tickInterval: Duration?

    init(maxSeries: Int, window: Duration, action: Action, by: [[UInt8]], maxGroups: Int, seed: UInt64,
         dropped: ManagedAtomic<Int>, report: CardinalityGrowthReport, clock: @escaping @Sendable () -> Int64) {
        self.maxSeries = maxSeries
        self.window = window.nanoseconds
        self.action = action
        self.by = by
        overflowPosition = by.filter { $0.lexicographicallyPrecedes(Self.overflowLabel.utf8) }.count
        hash = CardinalitySeriesHash(seed: seed)
        groups = CardinalityGroups(maxGroups: maxGroups)
        self.dropped = dropped
        self.report = report
        self.clock = clock
        tickInterval = min(window, .seconds(60))
    }

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        // Only metrics reach it (the graph refuses other inputs); anything else passes, never lost.
        guard var metrics = batch.takeMetrics() else { return output.emit(batch) }
        roll(to: clock())
        refusals.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
        fresh.removeAll(keepingCapacity: true)
        MetricBatchView.with(metrics) { view in
            for i in 0..<view.records.count { admit(view, i) }
            if !fresh.isEmpty { report.record(view, fresh, hash: hash) }
        }
        if !refusals.isEmpty { refuse(&metrics) }
        if !fresh.isEmpty || !refusals.isEmpty { publish() }
        output.emit(.metrics(metrics))
    }

    public mutating func tick(now: Int64, into output: inout TransformOutput) {
        roll(to: clock())
    }

    /// Admits sample `i` or adds it to `refusals`.
    @inline(__always)
    private mutating func admit(_ view: MetricBatchView, _ i: Int) {
        let h = hash.series(view, i)
        let group: Int
        if let at = table.find(h) {
            table[at].window = current
            guard table[at].rejected else { return }
            group = table[at].group
            if groups.admitted[group] < maxSeries {
                table[at].info &= ~1
                groups.rejected[group] -= 1
                admitted(group, i)
                return
            }
        } else {
            group = groups.group(by.isEmpty ? 0 : hash.group(view, i, by: by))
            if groups.admitted[group] < maxSeries {
                table.insert(h, window: current, group: group, rejected: false)
                admitted(group, i)
                return
            }
            if groups.rejected[group] < maxSeries {
                table.insert(h, window: current, group: group, rejected: true)
                groups.rejected[group] += 1
                counters.rejectedSeries += 1
                fresh.append((Int32(i), true))
            }
        }
        var refusal = Refusal(index: Int32(i), labelStart: Int32(scratch.count))
        if action == .tag, group != 0 {
            for (k, name) in by.enumerated() {
                guard let label = view.label(name, of: i) else { continue }
                scratch.append(label)
                if k < overflowPosition { refusal.before += 1 }
            }
            refusal.labelCount = Int32(scratch.count) - refusal.labelStart
        }
        refusals.append(refusal)
    }

    private mutating func admitted(_ group: Int, _ i: Int) {
        groups.admitted[group] += 1
        counters.admittedSeries += 1
        fresh.append((Int32(i), false))
    }

    /// Drops the refused samples or, for `tag`, replaces each with a sample of its metric's
    /// overflow series (`cardinality_overflow="true"` plus its `by` labels), appended at the end.
    private mutating func refuse(_ metrics: inout MetricBatch) {
        let count = metrics.count
        if action == .tag {
            let overflow = LabelRecord(name: metrics.store(Self.overflowLabel), value: metrics.store("true"))
            var labels: [LabelRecord] = []
            for r in refusals {
                let split = Int(r.labelStart + r.before)
                labels.removeAll(keepingCapacity: true)
                labels.append(contentsOf: scratch[Int(r.labelStart)..<split])
                labels.append(overflow)
                labels.append(contentsOf: scratch[split..<Int(r.labelStart + r.labelCount)])
                let record = metrics.records[Int(r.index)]
                metrics.append(nameSpan: record.name, labels: labels, value: record.value, timestamp: record.timestamp,
                               kind: record.kind)
            }
            counters.taggedSamples += refusals.count
        } else {
            dropped.wrappingIncrement(by: refusals.count, ordering: .relaxed)
            counters.droppedSamples += refusals.count
        }
        var next = 0
        metrics.retain { i in
            guard i < count, next < refusals.count, Int(refusals[next].index) == i else { return true }
            next += 1
            return false
        }
    }

    /// Starts the window `now` falls in, forgetting what was not seen in the one before.
    private mutating func roll(to now: Int64) {
        let w = now / window
        guard let origin else {
            origin = w
            return
        }
        let relative = UInt32(clamping: w - origin)
        guard relative > current else { return }
        current = relative
        groups.expire(&table, keepingFrom: current - 1)
        publish()
    }

    private mutating func publish() {
        counters.trackedSeries = table.count
        counters.groups = by.isEmpty ? 0 : groups.count
        counters.tableBytes = table.storageBytes
        report.publish(counters)
    }
}
