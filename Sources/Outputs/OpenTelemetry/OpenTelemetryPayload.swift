import NIOCore

/// A request of the opentelemetry output as the delivery driver sees it: an encoded (and
/// compressed) `Export*ServiceRequest`, sent as is on every attempt.
protocol OpenTelemetryPayload: DeliveryPayload {
    /// What the signal's items are called in messages: `log records`, `data points`, `spans`.
    static var itemName: String { get }
    /// The body sent.
    var body: ByteBuffer { get }
}
