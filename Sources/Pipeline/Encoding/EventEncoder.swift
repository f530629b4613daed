import Codecs
import NIOCore

/// Writes events as lines: NDJSON objects (SPEC §4) or the bare message (`encoding: text`).
///
/// Logs: `{"timestamp":"…Z","message":"…",<fields>}`. Metrics:
/// `{"timestamp":…,"name":"…","labels":{…},"kind":"counter","value":…}`.
public struct EventEncoder: Sendable {
    public enum Encoding: String, Sendable, CaseIterable { case json, text }

    public let encoding: Encoding

    public init(encoding: Encoding) { self.encoding = encoding }

    /// Appends every event of `batch` to `buffer`, one line each.
    public func encode(_ batch: EventBatch, into buffer: inout ByteBuffer) {
        switch batch {
        case .logs(let logs):
            for i in 0..<logs.count { encodeLog(logs, i, into: &buffer) }
        case .metrics(let metrics):
            for i in 0..<metrics.count { encodeMetric(metrics, i, into: &buffer) }
        }
    }

    /// Appends log event `index` of `batch` as one line.
    public func encodeLog(_ batch: LogBatch, _ index: Int, into buffer: inout ByteBuffer) {
        if encoding == .text {
            batch.withMessage(index) { buffer.writeBytes($0) }
            buffer.writeStaticString("\n")
            return
        }
        buffer.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: batch.records[index].timestamp, into: &buffer)
        buffer.writeStaticString("\",\"message\":")
        batch.withMessage(index) { JSONWriter.writeString($0, into: &buffer) }
        batch.forEachField(index) { key, value in
            buffer.writeStaticString(",")
            switch key {
            case .known(let known):
                buffer.writeStaticString("\"")
                buffer.writeString(known.name)
                buffer.writeStaticString("\"")
            case .custom(let span):
                batch.withBytes(span) { JSONWriter.writeString($0, into: &buffer) }
            }
            buffer.writeStaticString(":")
            switch value {
            case .bytes(let span): batch.withBytes(span) { JSONWriter.writeString($0, into: &buffer) }
            case .int(let v): JSONWriter.writeInt(v, into: &buffer)
            case .double(let v): JSONWriter.writeDouble(v, into: &buffer)
            case .bool(let v): buffer.writeString(v ? "true" : "false")
            }
        }
        buffer.writeStaticString("}\n")
    }

    /// Appends metric sample `index` of `batch` as one line.
    public func encodeMetric(_ batch: MetricBatch, _ index: Int, into buffer: inout ByteBuffer) {
        let record = batch.records[index]
        if encoding == .text {
            batch.withBytes(record.name) { buffer.writeBytes($0) }
            buffer.writeStaticString("{")
            for (i, label) in batch.labels(of: index).enumerated() {
                if i > 0 { buffer.writeStaticString(",") }
                batch.withBytes(label.name) { buffer.writeBytes($0) }
                buffer.writeStaticString("=\"")
                batch.withBytes(label.value) { PrometheusText.writeLabelValue($0, into: &buffer) }
                buffer.writeStaticString("\"")
            }
            buffer.writeStaticString("} ")
            PrometheusText.writeValue(record.value, into: &buffer)
            buffer.writeStaticString("\n")
            return
        }
        buffer.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: record.timestamp &* 1_000_000, into: &buffer)
        buffer.writeStaticString("\",\"name\":")
        batch.withBytes(record.name) { JSONWriter.writeString($0, into: &buffer) }
        buffer.writeStaticString(",\"labels\":{")
        for (i, label) in batch.labels(of: index).enumerated() {
            if i > 0 { buffer.writeStaticString(",") }
            batch.withBytes(label.name) { JSONWriter.writeString($0, into: &buffer) }
            buffer.writeStaticString(":")
            batch.withBytes(label.value) { JSONWriter.writeString($0, into: &buffer) }
        }
        buffer.writeStaticString("},\"kind\":\"")
        buffer.writeString(record.kind.name)
        buffer.writeStaticString("\",\"value\":")
        JSONWriter.writeDouble(record.value, into: &buffer)
        buffer.writeStaticString("}\n")
    }
}
