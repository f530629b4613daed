import NIOCore

/// One HTTP request of an output: an encoded body plus its own headers.
///
/// Headers every request of an output carries (content type, auth) belong to the
/// transport; these are the per-request ones (a tenant, a signature, `X-Amz-Target`).
package struct DeliveryHTTPRequest: Sendable {
    /// The encoded (and compressed) body, sent as is.
    package var body: ByteBuffer
    /// Headers of this request only.
    package var headers: [(String, String)]

    package init(body: ByteBuffer, headers: [(String, String)] = []) {
        self.body = body
        self.headers = headers
    }
}
