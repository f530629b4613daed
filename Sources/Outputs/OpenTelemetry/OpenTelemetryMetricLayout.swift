import Codecs
import NIOCore
import Pipeline

/// Metric requests: `ExportMetricsServiceRequest`, one `ResourceMetrics` per `job`/`instance`
/// pair, one `ScopeMetrics` (no scope) in it, one `Metric` per name and kind with its points
/// in arrival order (`OpenTelemetryMetricPoint` maps the samples):
///
/// ```
/// ExportMetricsServiceRequest ── 0a ResourceMetrics ─┬─ 0a Resource {service.name, service.instance.id}
///                                                    └─ 12 ScopeMetrics ── 12 Metric ─┬─ 0a name
///                                                                                     └─ 2a Gauge {0a NumberDataPoint …}
///                                                                                        or 3a Sum {0a NumberDataPoint …,
///                                                                                        10 02 cumulative, 18 01 monotonic}
/// ```
enum OpenTelemetryMetricLayout: OpenTelemetryLayout {
    static var signal: OTLPSignal { .metrics }

    static func acknowledgements(of batch: MetricBatch) -> Acknowledgements { batch.acknowledgements }

    static func render(_ batch: MetricBatch, into rendered: OpenTelemetryRendered, keys: inout [(key: UInt64, size: Int)]) {
        OpenTelemetryMetricPoint.render(batch, into: rendered, keys: &keys)
    }

    static func writeRequest(_ entries: ArraySlice<OpenTelemetryEntry>, _ rows: OpenTelemetryRows<MetricBatch>,
                             into writer: inout ProtobufWriter) {
        entries.forEachRun(entries.indices, by: \.outer) { resource in
            writer.messageField(1) { w in
                rows.outer.withGroup(entries[resource.lowerBound].outer) { if !$0.isEmpty { w.bytesField(1, $0) } }
                w.messageField(2) { w in
                    entries.forEachRun(resource, by: \.inner) { points in
                        rows.inner.withGroup(entries[points.lowerBound].inner) { header in
                            writeMetric(header, entries[points], rows, &w)
                        }
                    }
                }
            }
        }
    }

    /// A `Metric` of the points of `entries`; `header` is its kind byte and name.
    private static func writeMetric(_ header: UnsafeRawBufferPointer, _ entries: ArraySlice<OpenTelemetryEntry>,
                                    _ rows: OpenTelemetryRows<MetricBatch>, _ writer: inout ProtobufWriter) {
        let isSum = header[0] == OpenTelemetryMetricPoint.Kind.sum.rawValue
        writer.messageField(2) { w in
            OpenTelemetryAttributes.writeString(1, UnsafeRawBufferPointer(rebasing: header[1...]), &w)
            w.messageField(isSum ? 7 : 5) { w in
                for entry in entries { rows.withRecord(entry) { w.bytesField(1, $0) } }
                if isSum {
                    w.varintField(2, 2)  // AGGREGATION_TEMPORALITY_CUMULATIVE
                    w.varintField(3, 1)  // is_monotonic
                }
            }
        }
    }

    static func writeEvent(_ batch: MetricBatch, _ index: Int, into buffer: inout ByteBuffer) {
        EventEncoder(encoding: .json).encodeMetric(batch, index, into: &buffer)
    }
}
