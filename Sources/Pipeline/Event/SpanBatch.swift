import NIOCore

/// A batch of trace spans, kept as OTLP protobuf: the body of an `ExportTraceServiceRequest`,
/// that is `ResourceSpans` messages each framed as field 1.
///
/// Spans are not decoded to pass through: an input appends what it received (checked and
/// counted by `OTLPTraceScanner`), an output concatenates the bodies of its batches into one
/// request (repeated fields concatenate), and only a stage that looks inside (`span_metrics`,
/// the JSON encoder) walks the bytes. Like the other batches it is a value: fan-out shares
/// it, and a stage that mutates it copies only if another stage still holds it.
public struct SpanBatch: Sendable {
    /// Field-1-framed `ResourceSpans` messages, in arrival order.
    public private(set) var bytes: ByteBuffer
    /// Number of spans in `bytes`.
    public private(set) var count: Int
    /// Number of `ResourceSpans` messages in `bytes`.
    public private(set) var resourceCount: Int
    /// Shared by every holder of this batch's storage (see `BatchCopies`).
    private var identity = BatchIdentity()
    /// The inputs waiting on these spans (see `Acknowledgements`).
    public var acknowledgements = Acknowledgements()

    /// An empty batch with room for `capacity` bytes.
    public init(capacity: Int = 16 * 1024) {
        bytes = ByteBufferAllocator().buffer(capacity: capacity)
        count = 0
        resourceCount = 0
    }

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

    /// Appends an `ExportTraceServiceRequest` body (its `ResourceSpans` fields) holding
    /// `resources` resource messages and `spans` spans, as `OTLPTraceScanner` counted them.
    public mutating func append(request: UnsafeRawBufferPointer, resources: Int, spans: Int) {
        BatchIdentity.willMutate(&identity)
        bytes.writeBytes(request)
        resourceCount += resources
        count += spans
    }

    /// Calls `body` with the request bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeReadableBytes(body)
    }
}
