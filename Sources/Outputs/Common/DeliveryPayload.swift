import NIOCore

/// A batch of events encoded for one request, as the delivery driver sees it.
///
/// Its items are its events, numbered `0..<eventCount` in request order; per-item answers
/// (Elasticsearch `_bulk`) and `subset(_:)` use those numbers.
package protocol DeliveryPayload: Sendable {
    /// Events in the payload (for `sent` and `dropped` counters).
    var eventCount: Int { get }
    /// The size checked against the receiver's limit (usually the uncompressed body).
    var size: Int { get }
    /// The payload of items `items` (ascending, in `0..<eventCount`), encoded afresh, in order.
    func subset(_ items: [Int]) -> Self
    /// Appends the events as NDJSON lines, for the dead-letter file.
    func writeEvents(into buffer: inout ByteBuffer)
}

extension DeliveryPayload {
    /// The first and second half of the items, each encoded; nil for a single item.
    func split() -> (Self, Self)? {
        guard eventCount > 1 else { return nil }
        let middle = eventCount / 2
        return (subset(Array(0..<middle)), subset(Array(middle..<eventCount)))
    }
}
