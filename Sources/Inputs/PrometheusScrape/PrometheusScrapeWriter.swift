import Codecs
import Pipeline
import Relabeling

/// Builds one scrape's batch: each parsed sample with the target's labels, then stale markers and
/// the scrape's own series (`up`, `scrape_duration_seconds`, …).
///
/// Labels follow Prometheus: an exposed label with an empty value is absent; on a clash with a
/// target label, `honor_labels: false` renames the exposed one `exported_<name>`, `true` keeps it
/// and drops the target's; then `metric_relabel` rewrites or drops the sample. No allocation per
/// sample once the batch and scratch arrays have grown.
struct PrometheusScrapeWriter: Sendable {
    /// The batch being built.
    var batch: MetricBatch
    /// Samples appended from the body (before stale markers and scrape series).
    private(set) var sampleCount = 0
    private let targetNames: [[UInt8]]
    private let targetSpans: [LabelRecord]
    private let honorLabels: Bool
    private var metricRelabel: MetricRelabeler?
    /// The scrape's time, for samples without their own timestamp.
    let timestamp: Int64
    private var overridden: [Bool]
    private var scratch: [LabelRecord] = []
    private var renamed: [UInt8] = []

    init(target: PrometheusScrapeTarget, honorLabels: Bool, metricRelabel: RelabelProgram? = nil, timestamp: Int64,
         capacity: Int) {
        var batch = MetricBatch(capacity: capacity)
        targetNames = target.labels.map { Array($0.name.utf8) }
        targetSpans = target.labels.map { LabelRecord(name: batch.store($0.name), value: batch.store($0.value)) }
        self.metricRelabel = metricRelabel.map { MetricRelabeler(program: $0) }
        self.metricRelabel?.begin(&batch)
        self.batch = batch
        self.honorLabels = honorLabels
        self.timestamp = timestamp
        overridden = Array(repeating: false, count: target.labels.count)
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
        scratch.removeAll(keepingCapacity: true)
        for t in overridden.indices { overridden[t] = false }
        for i in 0..<sample.labelCount {
            let name = sample.labelName(i), value = sample.labelValue(i)
            guard !value.isEmpty else { continue }
            let valueSpan = batch.store(value)
            if let t = targetNames.firstIndex(where: { name.elementsEqual($0) }) {
                if honorLabels {
                    overridden[t] = true
                } else {
                    scratch.append(LabelRecord(name: exported(name), value: valueSpan))
                    continue
                }
            }
            scratch.append(LabelRecord(name: batch.store(name), value: valueSpan))
        }
        for t in targetSpans.indices where !overridden[t] { scratch.append(targetSpans[t]) }
        let name = batch.store(sample.name), kind = Self.kind(sample.type)
        guard metricRelabel != nil else {
            batch.append(nameSpan: name, labels: scratch, value: value, timestamp: timestamp, kind: kind)
            return true
        }
        return metricRelabel!.append(name: name, labels: scratch[...], value: value, timestamp: timestamp, kind: kind, to: &batch)
    }

    /// Appends one of the scrape's own gauges (`up`, …) with the target labels.
    mutating func appendScrapeSeries(_ name: String, _ value: Double) {
        batch.append(nameSpan: batch.store(name), labels: targetSpans, value: value, timestamp: timestamp, kind: .gauge)
    }

    /// Drops every sample appended so far (a failed scrape keeps none).
    mutating func dropSamples() {
        batch.retain { _ in false }
        sampleCount = 0
    }

    private mutating func exported(_ name: UnsafeRawBufferPointer) -> ByteSpan {
        renamed.removeAll(keepingCapacity: true)
        renamed.append(contentsOf: "exported_".utf8)
        renamed.append(contentsOf: name)
        return renamed.withUnsafeBytes { batch.store($0) }
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
