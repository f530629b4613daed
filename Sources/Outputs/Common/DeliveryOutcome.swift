import NIOCore
import NIOHTTP1

/// One request an output hands to the delivery driver: an encoded body plus its own headers.
///
/// Headers every request of an output carries (content type, auth) belong to the
/// transport; these are the per-request ones (a tenant, a signature).
package struct DeliveryRequest: Sendable {
    /// The encoded (and compressed) body, sent as is.
    package var body: ByteBuffer
    /// Headers of this request only.
    package var headers: [(String, String)]

    package init(body: ByteBuffer, headers: [(String, String)] = []) {
        self.body = body
        self.headers = headers
    }
}

/// What the receiver answered, with the start of its body.
package struct DeliveryResponse: Sendable {
    /// The HTTP status code.
    package var status: Int
    /// The response headers (looked up case-insensitively).
    package var headers: HTTPHeaders
    /// The first bytes of the body (see `DeliveryHTTPTransport.maxResponseBody`), as text.
    package var body: String

    package init(status: Int, headers: HTTPHeaders = [:], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The result of one attempt: an answer, or no answer at all.
package enum DeliveryResult: Sendable {
    /// The receiver answered (any status).
    case response(DeliveryResponse)
    /// Connect, TLS, timeout or I/O failure; `description` says which.
    case failure(String)
}

/// Why an attempt did not deliver: the `errors{kind}` label and a one-line reason.
package struct DeliveryFailure: Sendable, Equatable, CustomStringConvertible {
    /// The `pipectl_component_errors_total` kind: `http_5xx`, `http_429`, `http_4xx`, `network`.
    package var kind: String
    /// What happened, e.g. `503 from http://127.0.0.1:8428/api/v1/write: overloaded`.
    package var description: String
    /// The HTTP status when there was an answer.
    package var status: Int?
    /// The start of the response body when there was an answer.
    package var responseBody: String

    package init(kind: String, description: String, status: Int? = nil, responseBody: String = "") {
        self.kind = kind
        self.description = description
        self.status = status
        self.responseBody = responseBody
    }
}

/// How the driver treats an attempt's result.
package enum DeliveryOutcome: Sendable, Equatable {
    /// Done: count the events as sent.
    case delivered
    /// Try the same body again after the backoff, or after `after` when the receiver said so.
    case retry(after: Duration?, DeliveryFailure)
    /// Never retry: the events go to the dead-letter file.
    case reject(DeliveryFailure)
    /// The receiver refused the size: send the batch again in halves.
    case split(DeliveryFailure)
}

/// A batch of events encoded for one request, as the delivery driver sees it.
package protocol DeliveryPayload: Sendable {
    /// Events in the payload (for `sent` and `dropped` counters).
    var eventCount: Int { get }
    /// The size checked against the receiver's limit (usually the uncompressed body).
    var size: Int { get }
    /// The request to send.
    var request: DeliveryRequest { get }
    /// The payload in two halves, in order, each encoded; nil when it cannot be split.
    func split() -> (Self, Self)?
    /// Appends the events as NDJSON lines, for the dead-letter file.
    func writeEvents(into buffer: inout ByteBuffer)
}

/// Where requests go: the delivery driver's view of a connection to the receiver.
package protocol DeliveryTransport: Sendable {
    /// The receiver's address for messages (never with credentials).
    var endpoint: String { get }
    /// Sends one request and waits for its answer; never throws.
    func send(_ request: DeliveryRequest) async -> DeliveryResult
    /// Releases connections; called once when the output stops.
    func shutdown() async
}
