import Codecs
import Pipeline

/// One OTLP metric as a Prometheus family: the names its samples take, their kind, and
/// whether its points are deltas to accumulate. Name spans are in the batch being written.
struct OTLPMetricFamily {
    /// The sample name of a gauge or counter, the quantile samples' of a summary.
    var name: ByteSpan
    var bucket, count, sum: ByteSpan
    /// `ByteHash.seriesName` of each name (series keys of accumulated deltas).
    var nameHash, bucketHash, countHash, sumHash: UInt64
    var kind: MetricKind
    var isDelta: Bool
}

/// What a resource and scope add to each of their points: the request, its arrival time,
/// and `job`, `instance`, `otel_scope_name`, `otel_scope_version` when set.
struct OTLPPointContext {
    let buffer: UnsafeRawBufferPointer
    /// Unix nanoseconds: the timestamp of a point without one, the accumulator's clock.
    let receivedAt: Int64
    /// Added labels: name, label stored in the batch, `ByteHash.seriesLabel`.
    var labels: [(name: StaticString, label: LabelRecord, hash: UInt64)] = []
}

/// Writes the samples of OTLP data points into a metric batch (see `OTLPMetricsDecoder` for
/// the mapping), passing delta points through the accumulator. Scratch arrays are reused:
/// nothing is allocated per point once they have grown.
struct OTLPMetricPointWriter: Sendable {
    /// What one request may expand to. A histogram point writes a sample per bound, each with
    /// all the point's labels, so a hostile request of a few MiB could otherwise make billions
    /// of label rows; past these the rest of the request is not written and it is refused.
    static let maxSamplesPerRequest = 2_000_000
    static let maxLabelsPerRequest = 8_000_000

    /// The delta samples of the request under way, added up only once it decoded whole.
    private(set) var pendingDeltas: [OTLPDeltaAccumulator.Pending] = []
    /// Set when a sample was left out for the limits above (the request is then refused).
    private(set) var overLimit = false
    private var labelSet = OTLPLabelSet()
    /// A sample's labels with its `le` or `quantile` in place.
    private var sampleLabels: [LabelRecord] = []
    private var le = OTLPBoundLabels(name: "le")
    private var quantile = OTLPBoundLabels(name: "quantile")
    private var buckets = OTLPClassicBuckets()
    private var bucketCounts: [UInt64] = []
    private var negativeCounts: [UInt64] = []
    private var doubles: [Double] = []
    private var quantileValues: [Double] = []

    /// Forgets what was stored in the previous batch.
    mutating func beginRequest() {
        le.reset()
        quantile.reset()
        overLimit = false
        pendingDeltas.removeAll(keepingCapacity: true)
    }

    /// Appends `target_info` 1 when the resource has attributes besides `service.name`,
    /// `service.namespace` and `service.instance.id`, labelled with those and the context's.
    mutating func appendTargetInfo(_ resource: Range<Int>, _ context: OTLPPointContext, to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        labelSet.removeAll()
        try labelSet.add(OTLPKeyValues(buffer: context.buffer, message: resource, field: 1)) { key in
            OTLPMetricsDecoder.isServiceIdentity(key)
        }
        guard !labelSet.isEmpty else { return }
        for added in context.labels { labelSet.add(added.name, added.label, hash: added.hash) }
        labelSet.store(in: &batch, request: context.buffer)
        batch.append(nameSpan: batch.store("target_info"), labels: labelSet.labels, value: 1,
                     timestamp: context.receivedAt / 1_000_000, kind: .gauge)
    }

    /// `NumberDataPoint { 7 attributes; 3 time; 4 as_double; 6 as_int (sfixed64); 8 flags }`.
    mutating func appendNumber(_ point: Range<Int>, of family: OTLPMetricFamily, _ context: OTLPPointContext,
                               to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        var reader = ProtobufReader(context.buffer, range: point)
        var time: UInt64 = 0, flags: UInt64 = 0, value = 0.0
        while let f = try reader.next() {
            switch f.number {
            case 3: time = try f.fixed64Bits(at: reader.offset)
            case 4: value = Double(bitPattern: try f.fixed64Bits(at: reader.offset))
            case 6: value = Double(Int64(bitPattern: try f.fixed64Bits(at: reader.offset)))
            case 8: flags = try f.varintBits(at: reader.offset)
            default: break
            }
        }
        try storeLabels(of: point, field: 7, context, in: &batch)
        let series = family.nameHash &+ (family.isDelta ? labelSet.seriesHash() : 0)
        append(family.name, labelSet.labels[...], flags & 1 != 0 ? PrometheusScrapeStaleness.staleNaN : value,
               series: series, at: time, family, context, to: &batch)
    }

    /// `HistogramDataPoint { 9 attributes; 3 time; 4 count; 5 sum; 6 bucket_counts; 7
    /// explicit_bounds; 10 flags }`; returns why the point was refused, or nil.
    mutating func appendHistogram(_ point: Range<Int>, of family: OTLPMetricFamily, _ context: OTLPPointContext,
                                  to batch: inout MetricBatch) throws(ProtobufReader.Malformed) -> String? {
        var reader = ProtobufReader(context.buffer, range: point)
        var time: UInt64 = 0, count: UInt64 = 0, flags: UInt64 = 0, sum: Double?
        bucketCounts.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        while let f = try reader.next() {
            switch f.number {
            case 3: time = try f.fixed64Bits(at: reader.offset)
            case 4: count = try f.fixed64Bits(at: reader.offset)
            case 5: sum = Double(bitPattern: try f.fixed64Bits(at: reader.offset))
            case 6: try Self.readFixed64s(f, reader) { bucketCounts.append($0) }
            case 7: try Self.readFixed64s(f, reader) { doubles.append(Double(bitPattern: $0)) }
            case 10: flags = try f.varintBits(at: reader.offset)
            default: break
            }
        }
        if !bucketCounts.isEmpty, bucketCounts.count != doubles.count + 1 {
            return "histogram point has \(bucketCounts.count) bucket counts for \(doubles.count) bounds"
        }
        buckets.removeAll()
        for (k, bound) in doubles.enumerated() where k < bucketCounts.count {
            buckets.add(bound: bound, count: bucketCounts[k])
        }
        buckets.close(total: count)
        try appendHistogramSamples(point, attributesField: 9, count: count, sum: sum, stale: flags & 1 != 0,
                                   at: time, family, context, to: &batch)
        return nil
    }

    /// `ExponentialHistogramDataPoint { 1 attributes; 3 time; 4 count; 5 sum; 6 scale; 7
    /// zero_count; 8 positive; 9 negative; 10 flags; 14 zero_threshold }`, as classic buckets
    /// (`OTLPClassicBuckets.addExponential`); returns why the point was refused, or nil.
    mutating func appendExponentialHistogram(_ point: Range<Int>, of family: OTLPMetricFamily, _ context: OTLPPointContext,
                                             to batch: inout MetricBatch) throws(ProtobufReader.Malformed) -> String? {
        var reader = ProtobufReader(context.buffer, range: point)
        var time: UInt64 = 0, count: UInt64 = 0, flags: UInt64 = 0, zeroCount: UInt64 = 0, sum: Double?
        var scale: Int64 = 0, zeroThreshold = 0.0, positiveOffset = 0, negativeOffset = 0
        bucketCounts.removeAll(keepingCapacity: true)
        negativeCounts.removeAll(keepingCapacity: true)
        while let f = try reader.next() {
            switch f.number {
            case 3: time = try f.fixed64Bits(at: reader.offset)
            case 4: count = try f.fixed64Bits(at: reader.offset)
            case 5: sum = Double(bitPattern: try f.fixed64Bits(at: reader.offset))
            case 6: scale = ProtobufField.zigzag(try f.varintBits(at: reader.offset))
            case 7: zeroCount = try f.fixed64Bits(at: reader.offset)
            case 8: positiveOffset = try Self.readBuckets(f.lengthDelimited(at: reader.offset), reader, into: &bucketCounts)
            case 9: negativeOffset = try Self.readBuckets(f.lengthDelimited(at: reader.offset), reader, into: &negativeCounts)
            case 10: flags = try f.varintBits(at: reader.offset)
            case 14: zeroThreshold = Double(bitPattern: try f.fixed64Bits(at: reader.offset))
            default: break
            }
        }
        guard (-10...20).contains(scale) else { return "exponential histogram point has scale \(scale), outside -10…20" }
        buckets.removeAll()
        buckets.addExponential(scale: Int(scale), zeroCount: zeroCount, zeroThreshold: zeroThreshold,
                               negativeOffset: negativeOffset, negative: negativeCounts,
                               positiveOffset: positiveOffset, positive: bucketCounts)
        buckets.close(total: count)
        try appendHistogramSamples(point, attributesField: 1, count: count, sum: sum, stale: flags & 1 != 0,
                                   at: time, family, context, to: &batch)
        return nil
    }

    /// `SummaryDataPoint { 7 attributes; 3 time; 4 count; 5 sum; 6 quantile_values
    /// { 1 quantile; 2 value }; 8 flags }`.
    mutating func appendSummary(_ point: Range<Int>, of family: OTLPMetricFamily, _ context: OTLPPointContext,
                                to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        var reader = ProtobufReader(context.buffer, range: point)
        var time: UInt64 = 0, count: UInt64 = 0, flags: UInt64 = 0, sum = 0.0
        doubles.removeAll(keepingCapacity: true)
        quantileValues.removeAll(keepingCapacity: true)
        while let f = try reader.next() {
            switch f.number {
            case 3: time = try f.fixed64Bits(at: reader.offset)
            case 4: count = try f.fixed64Bits(at: reader.offset)
            case 5: sum = Double(bitPattern: try f.fixed64Bits(at: reader.offset))
            case 6:
                var q = 0.0, v = 0.0
                var inner = reader.reader(for: try f.lengthDelimited(at: reader.offset))
                while let g = try inner.next() {
                    if g.number == 1 { q = Double(bitPattern: try g.fixed64Bits(at: inner.offset)) }
                    if g.number == 2 { v = Double(bitPattern: try g.fixed64Bits(at: inner.offset)) }
                }
                doubles.append(q)
                quantileValues.append(v)
            case 8: flags = try f.varintBits(at: reader.offset)
            default: break
            }
        }
        let at = try storeLabels(of: point, field: 7, context, in: &batch, reserving: "quantile")
        let labels = family.isDelta ? labelSet.seriesHash() : 0
        let stale = flags & 1 != 0
        quantile.use(doubles, in: &batch)
        prepareSampleLabels(slot: at)
        for k in quantile.labels.indices {
            sampleLabels[at] = quantile.labels[k]
            append(family.name, sampleLabels[...], stale ? PrometheusScrapeStaleness.staleNaN : quantileValues[k],
                   series: family.nameHash &+ labels &+ quantile.hashes[k], at: time, family, context, to: &batch)
        }
        appendCountAndSum(count: count, sum: sum, stale: stale, labels: labels, at: time, family, context, to: &batch)
    }

    /// The `_bucket` samples of `buckets`, then `_count` and `_sum`.
    private mutating func appendHistogramSamples(_ point: Range<Int>, attributesField: UInt32, count: UInt64, sum: Double?,
                                                 stale: Bool, at time: UInt64, _ family: OTLPMetricFamily,
                                                 _ context: OTLPPointContext, to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        let at = try storeLabels(of: point, field: attributesField, context, in: &batch, reserving: "le")
        let labels = family.isDelta ? labelSet.seriesHash() : 0
        le.use(buckets.bounds, in: &batch)
        prepareSampleLabels(slot: at)
        for k in le.labels.indices {
            sampleLabels[at] = le.labels[k]
            append(family.bucket, sampleLabels[...], stale ? PrometheusScrapeStaleness.staleNaN : Double(buckets.cumulative[k]),
                   series: family.bucketHash &+ labels &+ le.hashes[k], at: time, family, context, to: &batch)
        }
        appendCountAndSum(count: count, sum: sum, stale: stale, labels: labels, at: time, family, context, to: &batch)
    }

    private mutating func appendCountAndSum(count: UInt64, sum: Double?, stale: Bool, labels: UInt64, at time: UInt64,
                                            _ family: OTLPMetricFamily, _ context: OTLPPointContext, to batch: inout MetricBatch) {
        let staleNaN = PrometheusScrapeStaleness.staleNaN
        append(family.count, labelSet.labels[...], stale ? staleNaN : Double(count),
               series: family.countHash &+ labels, at: time, family, context, to: &batch)
        guard let sum else { return }
        append(family.sum, labelSet.labels[...], stale ? staleNaN : sum,
               series: family.sumHash &+ labels, at: time, family, context, to: &batch)
    }

    /// Appends one sample; a delta's value is noted in `pendingDeltas`, to become its series'
    /// running total once the request decoded (a NaN, such as a stale marker, is passed
    /// through and not added).
    private mutating func append(_ name: ByteSpan, _ labels: ArraySlice<LabelRecord>, _ value: Double, series: UInt64,
                                 at time: UInt64, _ family: OTLPMetricFamily, _ context: OTLPPointContext,
                                 to batch: inout MetricBatch) {
        guard batch.count < Self.maxSamplesPerRequest, batch.labels.count + labels.count <= Self.maxLabelsPerRequest else {
            overLimit = true
            return
        }
        if family.isDelta, !value.isNaN {
            pendingDeltas.append(OTLPDeltaAccumulator.Pending(sample: batch.count, series: series, delta: value, pointTime: time))
        }
        let timestamp = (time != 0 ? Int64(bitPattern: time) : context.receivedAt) / 1_000_000
        batch.append(nameSpan: name, labels: labels, value: value, timestamp: timestamp, kind: family.kind)
    }

    /// Stores the point's labels: its attributes (field `field`) and the context's; returns
    /// where a label named `reserved` goes.
    @discardableResult
    private mutating func storeLabels(of point: Range<Int>, field: UInt32, _ context: OTLPPointContext,
                                      in batch: inout MetricBatch, reserving reserved: StaticString = "") throws(ProtobufReader.Malformed) -> Int {
        labelSet.removeAll()
        try labelSet.add(OTLPKeyValues(buffer: context.buffer, message: point, field: field))
        for added in context.labels { labelSet.add(added.name, added.label, hash: added.hash) }
        return labelSet.store(in: &batch, request: context.buffer, reserving: reserved)
    }

    /// `sampleLabels` = the stored labels with a free slot at `slot`.
    private mutating func prepareSampleLabels(slot: Int) {
        sampleLabels.removeAll(keepingCapacity: true)
        sampleLabels.append(contentsOf: labelSet.labels)
        sampleLabels.insert(LabelRecord(name: .empty, value: .empty), at: slot)
    }

    /// The elements of a repeated fixed64/double field, packed or not.
    private static func readFixed64s(_ f: ProtobufField, _ reader: ProtobufReader,
                                     _ body: (UInt64) -> Void) throws(ProtobufReader.Malformed) {
        if case .fixed64(let v) = f.value { return body(v) }
        try reader.forEachPackedFixed64(f.lengthDelimited(at: reader.offset), body)
    }

    /// `Buckets { 1 offset (sint32); 2 bucket_counts (packed uint64) }`: the counts into
    /// `counts`; returns the offset.
    private static func readBuckets(_ range: Range<Int>, _ reader: ProtobufReader,
                                    into counts: inout [UInt64]) throws(ProtobufReader.Malformed) -> Int {
        var inner = reader.reader(for: range)
        var offset: Int64 = 0
        while let f = try inner.next() {
            switch (f.number, f.value) {
            case (1, _): offset = ProtobufField.zigzag(try f.varintBits(at: inner.offset))
            case (2, .varint(let v)): counts.append(v)
            case (2, _): try inner.forEachPackedVarint(f.lengthDelimited(at: inner.offset)) { counts.append($0) }
            default: break
            }
        }
        return Int(Int32(truncatingIfNeeded: offset))
    }
}
