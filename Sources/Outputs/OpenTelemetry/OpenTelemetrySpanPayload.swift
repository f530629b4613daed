import Codecs
import NIOCore
import Pipeline

/// A trace request: the span batches it is made of, passed through undecoded. The body is
/// their bytes one after the other: each batch is a run of `ResourceSpans` fields, and
/// repeated fields concatenate, so together they are one `ExportTraceServiceRequest`.
///
/// Items are spans in wire order. `subset` cuts exactly those spans out of the request
/// (`OpenTelemetrySpanSubset`); `writeEvents` writes one JSON line per span (`OTLPSpanLines`).
struct OpenTelemetrySpanPayload: OpenTelemetryBatchedPayload {
    var signal: OTLPSignal { .traces }

    let batches: [SpanBatch]
    let compression: OpenTelemetryCompression
    let body: ByteBuffer
    /// The uncompressed protobuf size.
    let size: Int
    let eventCount: Int

    init(batches: [SpanBatch], compressor: OpenTelemetryCompressor) {
        self.batches = batches
        compression = compressor.compression
        eventCount = batches.reduce(0) { $0 + $1.count }
        (body, size) = compressor.body { writer in
            for batch in batches { writer.buffer.writeImmutableBuffer(batch.bytes) }
        }
    }

    func subset(_ items: [Int]) -> Self {
        var request = ByteBufferAllocator().buffer(capacity: size)
        for batch in batches { request.writeImmutableBuffer(batch.bytes) }
        let cut = request.withUnsafeReadableBytes { OpenTelemetrySpanSubset.slice($0, items: items) }
        let batch = SpanBatch(request: cut.bytes, resources: cut.resources, spans: cut.spans)
        return Self(batches: [batch], compressor: OpenTelemetryCompressor(compression))
    }

    func releaseBatches(_ status: AckStatus) {
        for batch in batches { batch.acknowledgements.release(status) }
    }

    func writeEvents(into buffer: inout ByteBuffer) {
        for batch in batches { batch.withBytes { OTLPSpanLines.write($0, into: &buffer) } }
    }
}
