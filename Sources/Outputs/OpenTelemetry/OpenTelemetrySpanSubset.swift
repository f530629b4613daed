import Codecs
import NIOCore

/// Cuts spans out of an `ExportTraceServiceRequest` body without decoding them
/// (`OpenTelemetryRequestSubset` at the trace shape): the request of a span payload's subset,
/// a fresh span batch's bytes.
enum OpenTelemetrySpanSubset {
    /// The request of spans `items` (ascending) of `request`, with the resources and spans it
    /// holds. A malformed request (the input checked it) ends the subset where it breaks.
    static func slice(_ request: UnsafeRawBufferPointer, items: [Int]) -> (bytes: ByteBuffer, resources: Int, spans: Int) {
        var writer = ProtobufWriter(buffer: ByteBufferAllocator().buffer(capacity: request.count))
        let cut = OpenTelemetryRequestSubset.write(request, items: items, shape: .traces, into: &writer)
        return (writer.buffer, cut.resources, cut.items)
    }
}
