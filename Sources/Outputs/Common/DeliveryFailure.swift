import NIOCore

/// Why an attempt (or an item) did not deliver: the `errors{kind}` label and a one-line reason.
package struct DeliveryFailure: Sendable, Hashable, CustomStringConvertible {
    /// The `pipectl_component_errors_total` kind: `http_5xx`, `http_429`, `http_4xx`, `network`, …
    package var kind: String
    /// What happened, e.g. `503 from http://127.0.0.1:8428/api/v1/write: overloaded`.
    package var description: String
    /// The status (HTTP, or the item's) when there was an answer.
    package var status: Int?
    /// The start of the answer's body, as bytes (see `DeliveryHTTPTransport.maxResponseBody`).
    package var response: ByteBuffer

    package init(kind: String, description: String, status: Int? = nil, response: ByteBuffer = ByteBuffer()) {
        self.kind = kind
        self.description = description
        self.status = status
        self.response = response
    }
}
