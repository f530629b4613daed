import Codecs
import NIOCore
import Pipeline

/// What decoding one metrics request gave.
struct OTLPMetricsDecodeResult: Sendable, Equatable {
    /// OTLP data points appended (a histogram point counts once, whatever its samples).
    var points = 0
    /// Data points refused (the partial success' `rejected_data_points`).
    var rejected = 0
    /// Why the first refused point was refused.
    var rejectionMessage: String?
}

/// Decodes an OTLP `ExportMetricsServiceRequest` (protobuf, decompressed) into Prometheus
/// samples, after the OpenTelemetry "Prometheus and OpenMetrics Compatibility" specification.
///
///     ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1 }
///     ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2 }
///     ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2 }
///     Metric { name = 1; unit = 3; oneof { gauge 5; sum 7; histogram 9;
///              exponential_histogram 10; summary 11 } }
///
/// - Names: `OTLPMetricNaming` (sanitised, unit suffix, `_total` for monotonic sums).
/// - Labels: the point's attributes under sanitised names (`OTLPLabelSet`: values of keys
///   that sanitise alike joined with `;`); `job` from `service.namespace/service.name` (or
///   `service.name`), `instance` from `service.instance.id`; `otel_scope_name` and
///   `otel_scope_version` when the scope has a name. Labels are sorted by name.
/// - Other resource attributes are not labels: each resource that has some gives one
///   `target_info` sample (gauge, 1) labelled with them and `job`/`instance`.
/// - Gauge → gauge; monotonic sum → counter; non-monotonic sum → gauge; histogram →
///   `_bucket{le=…}` (cumulative, `+Inf` last and equal to the count), `_count`, and `_sum`
///   when the point has one (kind histogram); exponential histogram → the same, its buckets
///   turned into classic ones (`OTLPClassicBuckets`); summary → `{quantile=…}`, `_count`,
///   `_sum` (kind summary). `le` and `quantile` values print as Prometheus prints numbers.
/// - Timestamps: the point's `time_unix_nano` in milliseconds, else when the request arrived.
/// - A point flagged "no recorded value" (flags bit 0) gives Prometheus' stale marker.
/// - Delta sums and histograms become cumulative through the decoder's
///   `OTLPDeltaAccumulator`; the decoder keeps that state across requests.
/// - Refused (counted and reported, never thrown): the points of a metric without a name; a
///   metric with no data, or of a type this decoder does not know, counts as one; a
///   histogram point whose bucket count is not its bound count + 1; an exponential histogram
///   point with a scale outside -10…20.
///
/// A malformed request throws and leaves the batch with the samples it had (those appended
/// before the fault are removed, their bytes stay in the arena) and the delta sums as they
/// were: deltas are added up only once the request decoded whole.
///
/// Each connection decodes with its own decoder, so the input's event loops decode in
/// parallel; only the delta sums, which every connection's series share, are behind a lock,
/// held while a request's deltas are added.
struct OTLPMetricsDecoder: Sendable {
    private let deltas: OTLPDeltaSums
    private var writer = OTLPMetricPointWriter()
    private var name: [UInt8] = []
    private var text = ByteBuffer()

    init(deltas: OTLPDeltaSums = OTLPDeltaSums()) {
        self.deltas = deltas
    }

    /// Series whose deltas are being added up.
    var accumulatedSeries: Int { deltas.count }

    /// Appends the samples of `request` to `batch`; `receivedAt` is unix nanoseconds.
    mutating func decode(_ request: UnsafeRawBufferPointer, receivedAt: Int64,
                         into batch: inout MetricBatch) throws(ProtobufReader.Malformed) -> OTLPMetricsDecodeResult {
        let before = batch.count
        var result = OTLPMetricsDecodeResult()
        writer.beginRequest()
        do throws(ProtobufReader.Malformed) {
            let context = OTLPPointContext(buffer: request, receivedAt: receivedAt)
            var reader = ProtobufReader(request)
            while let f = try reader.next() {
                guard f.number == 1 else { continue }
                try appendResource(f.lengthDelimited(at: reader.offset), context, &result, to: &batch)
            }
            if writer.overLimit {
                throw ProtobufReader.Malformed(offset: 0, reason: "the request expands to more than \(OTLPMetricPointWriter.maxSamplesPerRequest) samples or \(OTLPMetricPointWriter.maxLabelsPerRequest) labels (histogram bounds × point attributes); send fewer points per request")
            }
        } catch {
            batch.retain { $0 < before }
            throw error
        }
        deltas.add(writer.pendingDeltas, at: receivedAt, to: &batch)
        return result
    }

    /// True for the resource attributes that become `job` and `instance`.
    static func isServiceIdentity(_ key: UnsafeRawBufferPointer) -> Bool {
        serviceIdentityKeys.contains { ByteOrder.equal(key, UnsafeRawBufferPointer(start: $0.utf8Start, count: $0.utf8CodeUnitCount)) }
    }

    private static let serviceIdentityKeys: [StaticString] = ["service.name", "service.namespace", "service.instance.id"]

    /// `ResourceMetrics`: the resource (it may follow its scopes on the wire), then each scope.
    private mutating func appendResource(_ range: Range<Int>, _ request: OTLPPointContext, _ result: inout OTLPMetricsDecodeResult,
                                         to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        var context = request
        var reader = ProtobufReader(context.buffer, range: range)
        var resource: Range<Int>?
        while let f = try reader.next() {
            if f.number == 1 { resource = try f.lengthDelimited(at: reader.offset) }
        }
        if let resource {
            try addServiceLabels(of: resource, to: &context, in: &batch)
            try writer.appendTargetInfo(resource, context, to: &batch)
        }
        let resourceLabels = context.labels.count
        reader = ProtobufReader(context.buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 2 else { continue }
            context.labels.removeLast(context.labels.count - resourceLabels)
            try appendScope(f.lengthDelimited(at: reader.offset), &context, &result, to: &batch)
        }
    }

    /// `job` (`service.namespace/service.name`, or `service.name`) and `instance`
    /// (`service.instance.id`).
    private mutating func addServiceLabels(of resource: Range<Int>, to context: inout OTLPPointContext,
                                           in batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        let attributes = OTLPKeyValues(buffer: context.buffer, message: resource, field: 1)
        if let service = try attributes.first(key: "service.name") {
            text.clear()
            if let namespace = try attributes.first(key: "service.namespace") {
                try namespace.writeText(into: &text)
                if text.readableBytes > 0 { text.writeStaticString("/") }
            }
            let namespaceLength = text.readableBytes
            try service.writeText(into: &text)
            if text.readableBytes > namespaceLength { context.labels.append(storeLabel("job", in: &batch)) }
        }
        if let instance = try attributes.first(key: "service.instance.id") {
            text.clear()
            try instance.writeText(into: &text)
            if text.readableBytes > 0 { context.labels.append(storeLabel("instance", in: &batch)) }
        }
    }

    /// `ScopeMetrics`: the scope's name and version as labels, then each metric.
    private mutating func appendScope(_ range: Range<Int>, _ context: inout OTLPPointContext, _ result: inout OTLPMetricsDecodeResult,
                                      to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        var reader = ProtobufReader(context.buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 1 else { continue }
            var scopeName = 0..<0, version = 0..<0
            var scope = reader.reader(for: try f.lengthDelimited(at: reader.offset))
            while let s = try scope.next() {
                if s.number == 1 { scopeName = try s.lengthDelimited(at: scope.offset) }
                if s.number == 2 { version = try s.lengthDelimited(at: scope.offset) }
            }
            guard !scopeName.isEmpty else { continue }
            text.clear()
            text.writeBytes(UnsafeRawBufferPointer(rebasing: context.buffer[scopeName]))
            context.labels.append(storeLabel("otel_scope_name", in: &batch))
            guard !version.isEmpty else { continue }
            text.clear()
            text.writeBytes(UnsafeRawBufferPointer(rebasing: context.buffer[version]))
            context.labels.append(storeLabel("otel_scope_version", in: &batch))
        }
        reader = ProtobufReader(context.buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 2 else { continue }
            try appendMetric(f.lengthDelimited(at: reader.offset), context, &result, to: &batch)
        }
    }

    /// The label `name` = the bytes in `text`, stored, with its series hash contribution.
    private func storeLabel(_ name: StaticString, in batch: inout MetricBatch) -> (name: StaticString, label: LabelRecord, hash: UInt64) {
        let nameBytes = UnsafeRawBufferPointer(name)
        return text.withUnsafeReadableBytes { value in
            (name, LabelRecord(name: batch.store(nameBytes), value: batch.store(value)),
             ByteHash.seriesLabel(name: nameBytes, value: value))
        }
    }
}

extension OTLPMetricsDecoder {
    /// `Metric`: its name, unit and data, then each data point of the data.
    private mutating func appendMetric(_ range: Range<Int>, _ context: OTLPPointContext, _ result: inout OTLPMetricsDecodeResult,
                                       to batch: inout MetricBatch) throws(ProtobufReader.Malformed) {
        var metricName = 0..<0, unit = 0..<0
        var data: (type: UInt32, range: Range<Int>)?
        var reader = ProtobufReader(context.buffer, range: range)
        while let f = try reader.next() {
            switch f.number {
            case 1: metricName = try f.lengthDelimited(at: reader.offset)
            case 3: unit = try f.lengthDelimited(at: reader.offset)
            case 5, 7, 9, 10, 11: data = (f.number, try f.lengthDelimited(at: reader.offset))
            default: break
            }
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: context.buffer[metricName])
        guard let data else {
            return Self.reject(1, "metric \"\(String(decoding: nameBytes, as: UTF8.self))\" has no data of a known type", &result)
        }
        // Gauge { 1 points }, Sum { 1 points; 2 temporality; 3 is_monotonic },
        // (Exponential)Histogram { 1 points; 2 temporality }, Summary { 1 points }.
        var points = 0, temporality: UInt64 = 0, monotonic = false
        reader = reader.reader(for: data.range)
        while let f = try reader.next() {
            switch f.number {
            case 1: _ = try f.lengthDelimited(at: reader.offset); points += 1
            case 2: temporality = try f.varintBits(at: reader.offset)
            case 3: monotonic = try f.varintBits(at: reader.offset) != 0
            default: break
            }
        }
        guard !nameBytes.isEmpty else { return Self.reject(points, "metric without a name", &result) }
        let family = storeFamily(name: nameBytes, unit: UnsafeRawBufferPointer(rebasing: context.buffer[unit]), type: data.type,
                                 monotonic: monotonic, isDelta: temporality == 1 && (data.type == 7 || data.type == 9 || data.type == 10),
                                 in: &batch)
        reader = reader.reader(for: data.range)
        while let f = try reader.next() {
            guard f.number == 1 else { continue }
            let point = try f.lengthDelimited(at: reader.offset)
            var refusal: String?
            switch data.type {
            case 9: refusal = try writer.appendHistogram(point, of: family, context, to: &batch)
            case 10: refusal = try writer.appendExponentialHistogram(point, of: family, context, to: &batch)
            case 11: try writer.appendSummary(point, of: family, context, to: &batch)
            default: try writer.appendNumber(point, of: family, context, to: &batch)
            }
            if let refusal {
                Self.reject(1, "metric \"\(String(decoding: nameBytes, as: UTF8.self))\": \(refusal)", &result)
            } else {
                result.points += 1
            }
        }
    }

    /// Stores the names of a metric of data type `type` (5 gauge, 7 sum, 9 histogram,
    /// 10 exponential histogram, 11 summary).
    private mutating func storeFamily(name metricName: UnsafeRawBufferPointer, unit: UnsafeRawBufferPointer, type: UInt32,
                                      monotonic: Bool, isDelta: Bool, in batch: inout MetricBatch) -> OTLPMetricFamily {
        let shape: OTLPMetricNaming.Shape = type == 5 ? .gauge : type == 7 && monotonic ? .counter : .other
        let kind: MetricKind = switch type {
        case 5: .gauge
        case 7: monotonic ? .counter : .gauge
        case 11: .summary
        default: .histogram
        }
        name.removeAll(keepingCapacity: true)
        OTLPMetricNaming.appendMetricName(metricName, unit: unit, shape: shape, to: &name)
        var family = OTLPMetricFamily(name: .empty, bucket: .empty, count: .empty, sum: .empty,
                                      nameHash: 0, bucketHash: 0, countHash: 0, sumHash: 0, kind: kind, isDelta: isDelta)
        (family.name, family.nameHash) = storeName(suffix: "", in: &batch)
        guard type == 9 || type == 10 || type == 11 else { return family }
        if type != 11 { (family.bucket, family.bucketHash) = storeName(suffix: "_bucket", in: &batch) }
        (family.count, family.countHash) = storeName(suffix: "_count", in: &batch)
        (family.sum, family.sumHash) = storeName(suffix: "_sum", in: &batch)
        return family
    }

    /// Stores `name` + `suffix`; returns its span and `ByteHash.seriesName`.
    private mutating func storeName(suffix: StaticString, in batch: inout MetricBatch) -> (ByteSpan, UInt64) {
        let base = name.count
        name.append(contentsOf: UnsafeRawBufferPointer(suffix))
        defer { name.removeLast(name.count - base) }
        return name.withUnsafeBytes { (batch.store($0), ByteHash.seriesName($0)) }
    }

    private static func reject(_ points: Int, _ message: @autoclosure () -> String, _ result: inout OTLPMetricsDecodeResult) {
        guard points > 0 else { return }
        result.rejected += points
        if result.rejectionMessage == nil { result.rejectionMessage = message() }
    }
}
