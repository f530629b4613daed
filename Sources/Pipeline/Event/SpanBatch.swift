import NIOCore

/// A batch of trace spans, kept as OTLP protobuf: the body of an `ExportTraceServiceRequest`,
/// that is `ResourceSpans` messages each framed as field 1.
///
/// Spans are not decoded to pass through: an input keeps the request it received (checked and
/// counted by `OTLPTraceScanner`), an output concatenates the bodies of its batches into one
/// request (repeated fields concatenate), and only a stage that looks inside (`span_metrics`,
/// the JSON encoder) walks the bytes. Like the other batches it is a value; nothing mutates
/// its spans, so fan-out shares it without a copy.
public struct SpanBatch: Sendable {
    /// Field-1-framed `ResourceSpans` messages, in arrival order.
    public let bytes: ByteBuffer
    /// Number of spans in `bytes`.
    public let count: Int
    /// Number of `ResourceSpans` messages in `bytes`.
    public let resourceCount: Int
    /// The inputs waiting on these spans (see `Acknowledgements`).
    public var acknowledgements = Acknowledgements()

    /// A batch of the request `bytes` (its `ResourceSpans` fields) holding `resources` resource
    /// messages and `spans` spans, as `OTLPTraceScanner` counted them; the bytes are shared, not
    /// copied.
    public init(request bytes: ByteBuffer, resources: Int, spans: Int) {
        self.bytes = bytes
        resourceCount = resources
        count = spans
    }

    /// True when the batch holds no spans.
    public var isEmpty: Bool { count == 0 }
    /// Bytes held.
    public var byteCount: Int { bytes.readableBytes }

    /// Calls `body` with the request bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeReadableBytes(body)
    }
}
