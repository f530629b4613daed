import NIOCore
import Pipeline

/// Makes the headers of one CloudWatch Logs request, signed for the current second.
///
/// ```
/// Host: logs.us-east-1.amazonaws.com
/// X-Amz-Date: 20261129T180000Z
/// X-Amz-Target: Logs_20140328.PutLogEvents
/// X-Amz-Security-Token: …                                  (temporary credentials only)
/// Authorization: AWS4-HMAC-SHA256 Credential=AKIA…/20261129/us-east-1/logs/aws4_request,
///                SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=…
/// ```
/// `Content-Type: application/x-amz-json-1.1` is the transport's header on every request,
/// signed here with the same value. `Host` is sent as signed (the endpoint's host, with its
/// port when not the scheme's default), so what the receiver checks is what was signed.
struct CloudWatchLogsRequestSigner: Sendable {
    static let contentType = "application/x-amz-json-1.1"
    static let targetPrefix = "Logs_20140328."

    let signer: AWSSigV4Signer
    /// The `Host` header value.
    let host: String
    /// The request path (`/` for the AWS endpoint).
    let path: String
    /// Unix seconds now: the wall clock, or a fixed time in tests.
    let unixSeconds: @Sendable () -> Int64

    /// The headers for `action` (`PutLogEvents`) with `body`, `Authorization` last, and the
    /// signature's parts (golden files, tests).
    func sign(action: String, body: ByteBuffer) -> (headers: [(String, String)], signature: AWSSigV4Signer.Signature) {
        let now = unixSeconds()
        var headers = [("Host", host), ("X-Amz-Date", AWSSigV4Signer.amzDate(now)), ("X-Amz-Target", Self.targetPrefix + action)]
        if let token = signer.credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        let signature = signer.sign(method: "POST", path: path, headers: headers + [("Content-Type", Self.contentType)],
                                    payloadHash: AWSSigV4Signer.payloadHash(body), unixSeconds: now)
        headers.append(("Authorization", signature.authorization))
        return (headers, signature)
    }
}
