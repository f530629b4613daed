import Codecs
import NIOCore
import Pipeline

/// What makes a log or metric request of the opentelemetry output: how a batch's events are
/// rendered (`OpenTelemetryRendered`), how grouped entries become an `Export*ServiceRequest`,
/// and how an event reads in the dead-letter file.
protocol OpenTelemetryLayout: Sendable {
    associatedtype Batch: Sendable
    /// The signal of the requests.
    static var signal: OTLPSignal { get }
    /// The acknowledgements `batch` carries.
    static func acknowledgements(of batch: Batch) -> Acknowledgements
    /// Renders every event of `batch`; appends each one's shard key and its size in the
    /// request to `keys`.
    static func render(_ batch: Batch, into rendered: OpenTelemetryRendered, keys: inout [(key: UInt64, size: Int)])
    /// Writes the request of `entries` (in request order), whose records and groups are in `rows`.
    static func writeRequest(_ entries: ArraySlice<OpenTelemetryEntry>, _ rows: OpenTelemetryRows<Batch>,
                             into writer: inout ProtobufWriter)
    /// Appends event `index` of `batch` as an NDJSON line.
    static func writeEvent(_ batch: Batch, _ index: Int, into buffer: inout ByteBuffer)
}

/// What the entries of a request point into: the batches their events came from (shared
/// copy-on-write, so holding them costs no copy), the encoded records and the groups.
struct OpenTelemetryRows<Batch: Sendable>: Sendable {
    var batches: [Batch] = []
    var records = ByteBuffer()
    var outer = OpenTelemetryGroupTable()
    var inner = OpenTelemetryGroupTable()

    /// Calls `body` with the bytes of `entry`'s record.
    func withRecord<R>(_ entry: OpenTelemetryEntry, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        records.withUnsafeReadableBytes { body(UnsafeRawBufferPointer(rebasing: $0[entry.record])) }
    }
}
