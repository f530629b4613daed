import Codecs
import NIOCore
import Pipeline

/// Log requests: `ExportLogsServiceRequest`, one `ResourceLogs` per resource, one `ScopeLogs`
/// per scope within it, the records in arrival order (`OpenTelemetryLogRecord` maps the events):
///
/// ```
/// ExportLogsServiceRequest ─┬─ 0a ResourceLogs ─┬─ 0a Resource {attributes}     (left out when empty)
///                           │                   └─ 12 ScopeLogs ─┬─ 0a InstrumentationScope (left out when empty)
///                           │                                    └─ 12 LogRecord …
///                           └─ 0a ResourceLogs …
/// ```
enum OpenTelemetryLogLayout: OpenTelemetryLayout {
    static var signal: OTLPSignal { .logs }

    static func acknowledgements(of batch: LogBatch) -> Acknowledgements { batch.acknowledgements }

    static func render(_ batch: LogBatch, into rendered: OpenTelemetryRendered, keys: inout [(key: UInt64, size: Int)]) {
        OpenTelemetryLogRecord.render(batch, into: rendered, keys: &keys)
    }

    static func writeRequest(_ entries: ArraySlice<OpenTelemetryEntry>, _ rows: OpenTelemetryRows<LogBatch>,
                             into writer: inout ProtobufWriter) {
        entries.forEachRun(entries.indices, by: \.outer) { resource in
            writer.messageField(1) { w in
                rows.outer.withGroup(entries[resource.lowerBound].outer) { if !$0.isEmpty { w.bytesField(1, $0) } }
                entries.forEachRun(resource, by: \.inner) { scope in
                    w.messageField(2) { w in
                        rows.inner.withGroup(entries[scope.lowerBound].inner) { if !$0.isEmpty { w.bytesField(1, $0) } }
                        for entry in entries[scope] { rows.withRecord(entry) { w.bytesField(2, $0) } }
                    }
                }
            }
        }
    }

    static func writeEvent(_ batch: LogBatch, _ index: Int, into buffer: inout ByteBuffer) {
        EventEncoder(encoding: .json).encodeLog(batch, index, into: &buffer)
    }
}
