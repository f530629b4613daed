import NIOCore
import NIOHTTP1

/// What an HTTP receiver answered, with the start of its body as bytes.
package struct DeliveryHTTPResponse: Sendable {
    /// The HTTP status code.
    package var status: Int
    /// The response headers (looked up case-insensitively).
    package var headers: HTTPHeaders
    /// The first bytes of the body (at most the transport's `maxResponseBody`), for parsing
    /// a per-item answer; `boundedText` / `boundedLine` give text for messages.
    package var body: ByteBuffer
    /// True when the body was longer than what was kept: a JSON answer cannot be parsed whole.
    package var truncated: Bool

    package init(status: Int, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(), truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }
}
