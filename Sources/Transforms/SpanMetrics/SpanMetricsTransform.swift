import Atomics
import Codecs
import NIOCore
import Pipeline

/// The running `span_metrics` stage: walks each span batch (`OTLPSpanReader`), counts every
/// span in its series (`SpanMetricsSeries`), passes the batch on unchanged, and emits the
/// series as metrics on port `metrics` every `flush_interval` and at shutdown.
public struct SpanMetricsTransform: TransformStage {
    /// Port 1: `metrics` (`SpanMetricsTransformConfig.ports`).
    static let metricsPort = 1

    private let namespace: String
    private let dimensions: [[UInt8]]
    /// Label names of the dimensions, in `dimensions` order.
    private let dimensionLabels: [String]
    private let flushInterval: Int64
    private let expiry: Int64
    private let overflowed: ManagedAtomic<Int>
    private let malformed: ManagedAtomic<Int>
    private let log: RateLimitedLogger
    private let clock: @Sendable () -> Int64
    private var series: SpanMetricsSeries
    /// The label values of the span being counted, `\0`-separated: what its series is keyed by.
    private var key = ByteBuffer()
    /// Where each label value ends in `key` (service, name, kind, status, then dimensions).
    private var valueEnds: [Int] = []
    private var nextFlush: Int64?
    public let tickInterval: Duration?

    init(config: SpanMetricsTransformConfig, overflowed: ManagedAtomic<Int>, malformed: ManagedAtomic<Int>,
         log: RateLimitedLogger, clock: @escaping @Sendable () -> Int64) {
        namespace = config.namespace
        dimensions = config.dimensions.map { Array($0.utf8) }
        dimensionLabels = config.dimensions.map(SpanMetricsTransformConfig.labelName)
        flushInterval = config.flushInterval.nanoseconds
        expiry = config.seriesExpiry.nanoseconds
        self.overflowed = overflowed
        self.malformed = malformed
        self.log = log
        self.clock = clock
        series = SpanMetricsSeries(bounds: config.buckets, maxSeries: config.maxSeries)
        tickInterval = min(config.flushInterval, .seconds(1))
    }

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        var batch = batch
        // Only spans reach it (the graph refuses other inputs); anything else passes, never lost.
        guard let spans = batch.takeSpans() else { return output.emit(batch) }
        let now = clock()
        if nextFlush == nil { nextFlush = now + flushInterval }
        do {
            try spans.withBytes { request in
                try OTLPSpanReader.forEachSpan(request) { span in
                    do {
                        try count(span, now: now)
                    } catch {
                        // The input checks ids and structure, not every attribute: skip this span only.
                        malformed.wrappingIncrement(ordering: .relaxed)
                        log.error("span_metrics: a span's attributes do not decode, not counted: \(error)")
                    }
                }
            }
        } catch {
            // The input checked the structure; a stage upstream could still hand on a damaged batch.
            malformed.wrappingIncrement(ordering: .relaxed)
            log.error("span_metrics: stopped reading a span batch: \(error)")
        }
        output.emit(.spans(spans))
    }

    public mutating func tick(now: Int64, into output: inout TransformOutput) {
        guard let due = nextFlush, now >= due else { return }
        nextFlush = now + flushInterval
        flush(now: now, into: &output)
    }

    public mutating func finish(into output: inout TransformOutput) {
        guard nextFlush != nil else { return }
        flush(now: clock(), into: &output)
    }

    private mutating func flush(now: Int64, into output: inout TransformOutput) {
        series.expire(before: now - expiry)
        guard !series.series.isEmpty else { return }
        var batch = MetricBatch(capacity: series.series.count * (series.bounds.count + 4))
        series.write(namespace: namespace, timestamp: now / 1_000_000, into: &batch)
        output.emit(.metrics(batch), port: Self.metricsPort)
    }

    private mutating func count(_ span: OTLPSpanView, now: Int64) throws {
        key.clear()
        valueEnds.removeAll(keepingCapacity: true)
        appendValue(span.serviceName)
        appendValue(span.bytes(span.name))
        appendValue(Self.kindNames.indices.contains(span.kind) ? Self.kindNames[span.kind] : Self.kindNames[0])
        appendValue(Self.statusNames.indices.contains(span.statusCode) ? Self.statusNames[span.statusCode] : Self.statusNames[0])
        for dimension in dimensions {
            let value = try dimension.withUnsafeBytes { k in try span.attribute(key: k) ?? span.resourceAttribute(k) }
            if let value { try value.writeText(into: &key) }
            valueEnds.append(key.writerIndex)
            key.writeInteger(UInt8(0))
        }
        let end = Double(span.endTimeUnixNano), start = Double(span.startTimeUnixNano)
        let seconds = max(0, end - start) / 1e9
        // The value boundaries are hashed too, so a value holding the separator byte cannot
        // pass for two values.
        let hash = valueEnds.reduce(key.withUnsafeReadableBytes { ByteHash.hash($0, seed: 0x5EED_5BA4) }) {
            ByteHash.mix($0 ^ UInt64($1))
        }
        let newLabels = series.needsLabels(key: hash) ? labels() : []
        let counted = series.count(key: hash, seconds: seconds, now: now, labels: newLabels)
        if !counted {
            overflowed.wrappingIncrement(ordering: .relaxed)
            log.warning("span_metrics: over max_series (\(series.maxSeries)); spans of new label sets count in {cardinality_overflow=\"true\"}")
        }
    }

    private mutating func appendValue(_ bytes: UnsafeRawBufferPointer) {
        key.writeBytes(bytes)
        valueEnds.append(key.writerIndex)
        key.writeInteger(UInt8(0))
    }

    private mutating func appendValue(_ text: StaticString) {
        key.writeStaticString(text)
        valueEnds.append(key.writerIndex)
        key.writeInteger(UInt8(0))
    }

    /// The labels of the span just keyed, sorted by name; empty dimensions left off.
    private func labels() -> [(String, String)] {
        let names = SpanMetricsSeries.fixedLabels + dimensionLabels
        var start = key.readerIndex
        var pairs: [(String, String)] = []
        for (name, end) in zip(names, valueEnds) {
            let value = key.getString(at: start, length: end - start) ?? ""
            start = end + 1
            if !value.isEmpty || name == "service" { pairs.append((name, value)) }
        }
        return pairs.sorted { $0.0 < $1.0 }
    }

    /// Tempo's label values for `Span.kind` and `Status.code`, by enum number.
    private static let kindNames: [StaticString] = [
        "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER",
        "SPAN_KIND_CONSUMER",
    ]
    private static let statusNames: [StaticString] = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]
}
