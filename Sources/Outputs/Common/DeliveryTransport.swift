/// Where requests go: the delivery driver's view of a connection to the receiver.
///
/// `DeliveryHTTPTransport` answers each request; `DeliveryStreamTransport` writes to an
/// ordered connection and answers once the write is made.
package protocol DeliveryTransport: Sendable {
    /// What one attempt sends (`DeliveryHTTPRequest`, `DeliveryStreamWrite`).
    associatedtype Request: Sendable
    /// What the receiver answered (`DeliveryHTTPResponse`, `DeliveryStreamReceipt`).
    associatedtype Response: Sendable

    /// The receiver's address for messages (never with credentials).
    var endpoint: String { get }
    /// Sends one request and waits for its answer; never throws.
    func send(_ request: Request) async -> DeliveryResult<Response>
    /// Releases connections; called once when the output stops.
    func shutdown() async
}

/// The result of one attempt: an answer, or no answer at all.
package enum DeliveryResult<Response: Sendable>: Sendable {
    /// The receiver answered (any status).
    case response(Response)
    /// Connect, TLS, timeout or I/O failure; the text says which.
    case failure(String)
}
