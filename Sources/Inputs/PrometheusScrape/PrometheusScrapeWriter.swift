import Codecs
import Pipeline
import Relabeling

/// Builds one scrape's batch: each parsed sample with the target's labels, then stale markers and
/// the scrape's own series (`up`, `scrape_duration_seconds`, …).
///
/// Labels follow Prometheus: an exposed label with an empty value is absent; on a clash with a
/// target label, `honor_labels: false` renames the exposed one `exported_<name>`, `true` keeps it
/// and drops the target's; then `metric_relabel` rewrites or drops the sample. A sample's labels
/// are stored sorted by name, as Prometheus keeps them (so the stages after sort nothing), and
/// label names and a run of equal metric names are stored once per batch
/// (`PrometheusScrapeLabelNames`). No allocation per sample once the batch and scratch arrays
/// have grown.
struct PrometheusScrapeWriter: Sendable {
    /// The batch being built.
    var batch: MetricBatch
    /// Samples appended from the body (before stale markers and scrape series).
    private(set) var sampleCount = 0
    private let targetSpans: [LabelRecord]
    /// The index in `names` of each target label's name.
    private let targetNames: [Int]
    private let honorLabels: Bool
    private var metricRelabel: MetricRelabeler?
    /// The scrape's time, for samples without their own timestamp.
    let timestamp: Int64
    private var names = PrometheusScrapeLabelNames()
    private var overridden: [Bool]
    /// A sample's labels before sorting, with the index of their name in `names`; the values
    /// of exposed labels are offsets into `values` until they are stored.
    private var pending: [(name: Int, label: LabelRecord)] = []
    /// The exposed label values of a sample, stored in the batch in one write.
    private var values: [UInt8] = []
    /// Where in `pending` a sample's labels renamed `exported_<name>` are.
    private var renamed: [Int] = []
    private var scratch: [LabelRecord] = []
    /// The name indices of the last sorted `pending`, and the order of `pending` that sorted it
    /// (ranks keep their relative order as names are added).
    private var lastNames: [Int] = []
    private var lastOrder: [Int] = []
    /// The last metric name stored, its bytes and span.
    private var lastName: [UInt8] = []
    private var lastNameSpan = ByteSpan(offset: 0, length: 0)

    init(target: PrometheusScrapeTarget, honorLabels: Bool, metricRelabel: consuming MetricRelabeler? = nil, timestamp: Int64,
         capacity: Int, labelCapacity: Int? = nil) {
        var batch = MetricBatch(capacity: capacity, labelCapacity: labelCapacity)
        let spans = target.labels.map { LabelRecord(name: batch.store($0.name), value: batch.store($0.value)) }
        var names = PrometheusScrapeLabelNames()
        targetNames = target.labels.indices.map { t in
            var name = target.labels[t].name
            return name.withUTF8 { names.addTarget(UnsafeRawBufferPointer($0), span: spans[t].name, target: t) }
        }
        targetSpans = spans
        self.names = names
        metricRelabel?.begin(&batch)
        self.metricRelabel = metricRelabel
        self.batch = batch
        self.honorLabels = honorLabels
        self.timestamp = timestamp
        overridden = Array(repeating: false, count: target.labels.count)
        pending.reserveCapacity(16)
        scratch.reserveCapacity(16)
    }

    /// Appends a parsed sample; false when `metric_relabel` drops it.
    @discardableResult
    mutating func append(_ sample: PrometheusSample) -> Bool {
        guard write(sample, value: sample.value, timestamp: sample.timestamp ?? timestamp) else { return false }
        sampleCount += 1
        return true
    }

    /// Appends the stale marker of a sample's series at the scrape's time.
    mutating func appendStale(_ sample: PrometheusSample) {
        write(sample, value: PrometheusScrapeStaleness.staleNaN, timestamp: timestamp)
    }

    @discardableResult
    private mutating func write(_ sample: PrometheusSample, value: Double, timestamp: Int64) -> Bool {
        pending.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        renamed.removeAll(keepingCapacity: true)
        for t in overridden.indices { overridden[t] = false }
        for i in 0..<sample.labelCount {
            let value = sample.labelValue(i)
            guard !value.isEmpty else { continue }
            var name = names.index(of: sample.labelName(i), position: i, in: &batch)
            if let t = names.names[name].target {
                if honorLabels {
                    overridden[t] = true
                } else {
                    name = names.exported(name, in: &batch)
                    renamed.append(pending.count)
                }
            }
            pending.append((name, LabelRecord(name: names.names[name].span, value: ByteSpan(offset: values.count, length: value.count))))
            values.append(contentsOf: value)
        }
        if !renamed.isEmpty { resolveRenamed() }
        let stored = values.withUnsafeBytes { batch.store($0) }
        for i in pending.indices { pending[i].label.value.offset += stored.offset }
        for t in targetSpans.indices where !overridden[t] { pending.append((targetNames[t], targetSpans[t])) }
        sortPending()
        let name = storeName(sample.name), kind = Self.kind(sample.type)
        guard metricRelabel != nil else {
            batch.append(nameSpan: name, labels: scratch, value: value, timestamp: timestamp, kind: kind)
            return true
        }
        return metricRelabel!.append(name: name, labels: scratch[...], value: value, timestamp: timestamp, kind: kind, to: &batch)
    }

    /// Prefixes a renamed label with `exported_` again while its name is taken by another label
    /// of the sample or a target label, as Prometheus does (`exported_exported_job` when the
    /// page exposes both `job` and `exported_job`).
    private mutating func resolveRenamed() {
        for at in renamed {
            while names.names[pending[at].name].target != nil
                || pending.indices.contains(where: { $0 != at && pending[$0].name == pending[at].name }) {
                pending[at].name = names.exported(pending[at].name, in: &batch)
                pending[at].label.name = names.names[pending[at].name].span
            }
        }
    }

    /// Fills `scratch` with `pending` sorted by name rank. Lines of a family carry the same names
    /// in the same order, so the order found for one line is kept and reused while the names
    /// repeat (an insertion sort per line took 2.6 % of W3's CPU).
    private mutating func sortPending() {
        scratch.removeAll(keepingCapacity: true)
        if pending.count != lastNames.count || pending.indices.contains(where: { pending[$0].name != lastNames[$0] }) {
            lastNames.removeAll(keepingCapacity: true)
            lastOrder.removeAll(keepingCapacity: true)
            for i in pending.indices {
                lastNames.append(pending[i].name)
                let rank = names.names[pending[i].name].rank
                var at = lastOrder.count
                lastOrder.append(i)
                while at > 0, names.names[pending[lastOrder[at - 1]].name].rank > rank {
                    lastOrder.swapAt(at - 1, at)
                    at -= 1
                }
            }
        }
        for i in lastOrder { scratch.append(pending[i].label) }
    }

    /// The span of metric name `name`: the last one's when equal (a family's lines come together).
    private mutating func storeName(_ name: UnsafeRawBufferPointer) -> ByteSpan {
        if lastName.withUnsafeBytes({ ByteOrder.equal($0, name) }) { return lastNameSpan }
        lastName.removeAll(keepingCapacity: true)
        lastName.append(contentsOf: name)
        lastNameSpan = batch.store(name)
        return lastNameSpan
    }

    /// Appends one of the scrape's own gauges (`up`, …) with the target labels.
    mutating func appendScrapeSeries(_ name: String, _ value: Double) {
        batch.append(nameSpan: batch.store(name), labels: targetSpans, value: value, timestamp: timestamp, kind: .gauge)
    }

    /// Drops the samples that repeat a series (name, labels and timestamp) of an earlier row,
    /// keeping the first, as Prometheus refuses a duplicate sample; returns how many. Run only
    /// when the page's series hashes showed a repeat, so it hashes rows again rather than
    /// tracking every sample on the way in.
    mutating func dropRepeatedSeries() -> Int {
        var seen = Set<UInt64>(minimumCapacity: batch.count)
        let repeated = MetricBatchView.with(batch) { view in
            (0..<view.records.count).map { i in
                var hash = ByteHash.seriesName(view.bytes(view.records[i].name))
                for label in view.labels(of: i) {
                    hash &+= ByteHash.seriesLabel(name: view.bytes(label.name), value: view.bytes(label.value))
                }
                return !seen.insert(ByteHash.mix(hash ^ UInt64(bitPattern: view.records[i].timestamp))).inserted
            }
        }
        let count = repeated.reduce(0) { $0 + ($1 ? 1 : 0) }
        if count > 0 { batch.retain { !repeated[$0] } }
        return count
    }

    /// Gives the `metric_relabel` state back, for the next scrape's writer; no sample can be
    /// appended through it after.
    mutating func takeRelabeler() -> MetricRelabeler? { metricRelabel.take() }

    /// Drops every sample appended so far (a failed scrape keeps none).
    mutating func dropSamples() {
        batch.retain { _ in false }
        sampleCount = 0
    }

    /// The nearest `MetricKind`: gauge histograms are histograms (their `_gsum`/`_gcount` keep
    /// their names), state sets and info metrics gauges, OpenMetrics' `unknown` untyped.
    static func kind(_ type: PrometheusMetricType) -> MetricKind {
        switch type {
        case .counter: .counter
        case .gauge, .stateset, .info: .gauge
        case .histogram, .gaugeHistogram: .histogram
        case .summary: .summary
        case .untyped, .unknown: .untyped
        }
    }
}
