import Codecs
import NIOCore

/// Writes events as lines: NDJSON objects (SPEC §4) or the bare message (`encoding: text`).
///
/// Logs: `{"timestamp":"…Z","message":"…",<fields>}`. Metrics:
/// `{"timestamp":…,"name":"…","labels":{…},"kind":"counter","value":…}`. Spans: one JSON
/// object per span in either encoding (`OTLPSpanLines`).
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
        case .spans(let spans):
            // Spans have no text form but their JSON line (`OTLPSpanLines`).
            spans.withBytes { OTLPSpanLines.write($0, into: &buffer) }
        }
    }

    /// Appends log event `index` of `batch` as one line.
    public func encodeLog(_ batch: LogBatch, _ index: Int, into buffer: inout ByteBuffer) {
        if encoding == .text {
            batch.withMessage(index) { buffer.writeBytes($0) }
            buffer.writeStaticString("\n")
            return
        }
        let record = batch.records[index]
        var bound = 64 + RawWriter.jsonStringBound(Int(record.message.length))
        batch.forEachField(index) { key, value in
            if case .custom(let span) = key { bound += RawWriter.jsonStringBound(Int(span.length)) } else { bound += 20 }
            if case .bytes(let span) = value { bound += RawWriter.jsonStringBound(Int(span.length)) } else { bound += 40 }
            bound += 2
        }
        buffer.writeStaticString("{\"timestamp\":\"")
        RFC3339.write(nanoseconds: record.timestamp, into: &buffer)
        let arena = batch.arena
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { space in
            var out = RawWriter(space)
            out.write("\",\"message\":")
            arena.withSpan(record.message) { out.writeJSONString($0) }
            batch.forEachField(index) { key, value in
                out.write(UInt8(ascii: ","))
                switch key {
                case .known(let known):
                    out.write(UInt8(ascii: "\""))
                    out.write(known.staticName)
                    out.write(UInt8(ascii: "\""))
                case .custom(let span):
                    arena.withSpan(span) { out.writeJSONString($0) }
                }
                out.write(UInt8(ascii: ":"))
                switch value {
                case .bytes(let span): arena.withSpan(span) { out.writeJSONString($0) }
                case .int(let v): out.writeInt(v)
                case .bool(let v): out.write(v ? "true" : "false")
                case .double(let v): out.writeJSONNumber(v)
                }
            }
            out.write("}\n")
            return out.count
        }
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
