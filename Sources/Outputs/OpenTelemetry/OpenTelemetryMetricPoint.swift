import Codecs
import Pipeline

/// Encodes one metric sample as an OTLP `NumberDataPoint`, the `Resource` it belongs to and
/// the metric it is a point of.
///
/// - `job` and `instance` become the resource's `service.name` and `service.instance.id`
///   (as the OpenTelemetry Collector's Prometheus receiver does) and leave the point's
///   attributes; every other label is an attribute with a `string_value`.
/// - `time_unix_nano` is the sample's time (milliseconds × 10⁶); `start_time_unix_nano` is
///   left out (a Prometheus sample does not carry when its counter started).
/// - The value is `as_double`; Prometheus' stale marker (NaN `0x7ff0000000000002`) is a point
///   with `flags` = 1 (`FLAG_NO_RECORDED_VALUE`) and no value.
/// - The metric (the inner group) is its kind byte and name: a monotonic cumulative `Sum`
///   for counters and the `_bucket` and `_count` samples of histograms and summaries, a
///   `Gauge` for the rest (gauges, untyped samples, `_sum` and quantile samples). Histograms
///   and summaries go as their component samples, not as OTLP `Histogram` or `Summary`
///   points: a batch holds samples, and their family is not reassembled.
enum OpenTelemetryMetricPoint {
    /// The inner group's first byte.
    enum Kind: UInt8 {
        case gauge = 0, sum = 1
    }

    /// Prometheus' stale marker.
    static let staleNaN: UInt64 = 0x7ff0_0000_0000_0002

    /// Renders every sample of `batch` into `rendered`; the shard key is the series' hash, so a
    /// series' points go through one lane, in order.
    static func render(_ batch: MetricBatch, into rendered: OpenTelemetryRendered, keys: inout [(key: UInt64, size: Int)]) {
        rendered.removeAll()
        MetricBatchView.with(batch) { view in
            for i in 0..<view.records.count {
                let key = encode(view, i, point: &rendered.records.writer, resource: &rendered.outer.writer,
                                 metric: &rendered.inner.writer)
                rendered.closeEvent()
                keys.append((key, rendered.size(i)))
            }
        }
    }

    /// Appends sample `i`'s point, resource and metric bodies; returns its series' hash.
    static func encode(_ view: MetricBatchView, _ i: Int, point: inout ProtobufWriter, resource: inout ProtobufWriter,
                       metric: inout ProtobufWriter) -> UInt64 {
        let record = view.records[i]
        let name = view.bytes(record.name)
        var series = ByteHash.hash(name, seed: 0)
        var job: UnsafeRawBufferPointer?, instance: UnsafeRawBufferPointer?
        for label in view.labels(of: i) {
            let labelName = view.bytes(label.name), value = view.bytes(label.value)
            series = ByteHash.hash(value, seed: ByteHash.hash(labelName, seed: series))
            if ByteOrder.equal(labelName, "job") {
                job = value
            } else if ByteOrder.equal(labelName, "instance") {
                instance = value
            } else {
                OpenTelemetryAttributes.writeKeyValue(7, key: labelName, &point) { OpenTelemetryAttributes.writeText(value: value, &$0) }
            }
        }
        if record.timestamp != 0 { point.fixed64Field(3, UInt64(bitPattern: record.timestamp &* 1_000_000)) }
        if record.value.bitPattern == staleNaN {
            point.varintField(8, 1)
        } else {
            point.doubleField(4, record.value)
        }
        if let job { writeResourceAttribute("service.name", job, &resource) }
        if let instance { writeResourceAttribute("service.instance.id", instance, &resource) }
        metric.buffer.writeInteger(kind(record.kind, name).rawValue)
        metric.buffer.writeBytes(name)
        return series
    }

    /// The OTLP metric type of a sample.
    static func kind(_ kind: MetricKind, _ name: UnsafeRawBufferPointer) -> Kind {
        switch kind {
        case .counter: .sum
        case .histogram, .summary: ByteOrder.hasSuffix(name, "_count") || (kind == .histogram && ByteOrder.hasSuffix(name, "_bucket")) ? .sum : .gauge
        case .gauge, .untyped: .gauge
        }
    }

    private static func writeResourceAttribute(_ key: StaticString, _ value: UnsafeRawBufferPointer, _ resource: inout ProtobufWriter) {
        OpenTelemetryAttributes.writeKeyValue(1, key: UnsafeRawBufferPointer(key),
                                              &resource) { OpenTelemetryAttributes.writeText(value: value, &$0) }
    }
}
