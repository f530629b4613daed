import Codecs
import NIOCore
import Pipeline

/// A request of the opentelemetry output as the delivery driver sees it: an encoded (and
/// compressed) `Export*ServiceRequest`, sent as is on every attempt.
protocol OpenTelemetryPayload: DiskStoredRequest {
    /// The signal: where the request goes, what its items are.
    var signal: OTLPSignal { get }
    /// How `body` is compressed.
    var compression: OpenTelemetryCompression { get }
    /// The body sent.
    var body: ByteBuffer { get }
}

/// A request made from the inbox's batches (as opposed to one read back from the disk buffer).
protocol OpenTelemetryBatchedPayload: OpenTelemetryPayload {
    /// Releases the hold each of its batches took for it (`holdsAcknowledgements` shards:
    /// the disk buffer, once the request is stored).
    func releaseBatches(_ status: AckStatus)
}

extension OpenTelemetryPayload {
    /// An `OpenTelemetryRecord`: the body as sent, with its signal and lane.
    func diskRecord(lane: Int) -> DiskBufferRecord { OpenTelemetryRecord.make(self, lane: lane) }
    var itemName: String { signal.itemName }
}

extension OTLPSignal {
    /// What the signal's items are called in messages: `log records`, `data points`, `spans`.
    var itemName: String {
        switch self {
        case .logs: "log records"
        case .metrics: "data points"
        case .traces: "spans"
        }
    }
}
