import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Pipeline
import TLSOptions

/// Sends delivery requests as HTTP `POST`s with AsyncHTTPClient.
///
/// Redirects are not followed (a 3xx is a misconfigured URL, rejected loudly); each
/// attempt is bounded by `request_timeout`; only the first `maxResponseBody` bytes of an
/// answer are kept, as bytes (a per-item JSON answer is parsed from them; messages quote
/// a bounded part), the rest is read and dropped. Make one per output run and
/// `shutdown()` it when the run ends: the client owns a connection pool shared by lanes.
package final class DeliveryHTTPTransport: DeliveryTransport {
    /// Bytes of a response body kept when the output does not read answers (messages only).
    package static let defaultMaxResponseBody = 4096

    /// The URL without its query, for messages.
    package let endpoint: String
    /// Bytes of a response body kept; longer bodies are marked `truncated`.
    package let maxResponseBody: Int
    private let client: HTTPClient
    private let requestURL: String
    private let headers: HTTPHeaders
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - options: `url`, `auth`, `headers`, `tls` of the output.
    ///   - tls: the loaded TLS configuration (from `options.tls?.makeConfiguration()`).
    ///   - protocolHeaders: headers every request carries (content type, encoding, version).
    ///   - requestTimeout: the limit of one attempt.
    ///   - connections: connections to keep to the receiver (the output's `concurrency`).
    ///   - maxResponseBody: bytes of an answer to keep; outputs that parse answers pass their bound.
    package init(options: DeliveryHTTPOptions, tls: TLSConfiguration?, protocolHeaders: [(String, String)],
                requestTimeout: Duration, connections: Int = 8, maxResponseBody: Int = defaultMaxResponseBody) {
        // Messages and dead letters name the URL without its query (it may carry a token).
        endpoint = String(options.url.prefix { $0 != "?" })
        self.maxResponseBody = maxResponseBody
        var headers = HTTPHeaders(protocolHeaders)
        if let authorization = options.authorization { headers.add(name: "Authorization", value: authorization) }
        for (name, value) in options.headers { headers.add(name: name, value: value) }
        self.headers = headers
        timeout = .nanoseconds(requestTimeout.nanoseconds)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(min(requestTimeout, .seconds(10)).nanoseconds), read: timeout))
        configuration.tlsConfiguration = tls
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, connections)
        var url = options.url
        if let route = options.tls?.serverNameRoute(options.url) {
            // SNI and verification use `server_name`; the DNS override still connects to the URL's host.
            url = route.url
            configuration.dnsOverride = [route.serverName: route.host]
        }
        requestURL = url
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    package func send(_ request: DeliveryHTTPRequest) async -> DeliveryResult<DeliveryHTTPResponse> {
        var outgoing = HTTPClientRequest(url: requestURL)
        outgoing.method = .POST
        outgoing.headers = headers
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(request.body)
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            var kept = ByteBuffer()
            var truncated = false
            for try await var chunk in response.body {
                let n = min(chunk.readableBytes, maxResponseBody - kept.readableBytes)
                if n < chunk.readableBytes { truncated = true }
                if n > 0, var slice = chunk.readSlice(length: n) { kept.writeBuffer(&slice) }
            }
            return .response(DeliveryHTTPResponse(status: Int(response.status.code), headers: response.headers,
                                                  body: kept, truncated: truncated))
        } catch {
            return .failure(Self.describe(error))
        }
    }

    package func shutdown() async {
        try? await client.shutdown()
    }

    /// A short reason: `connection refused`, `timed out after 30s`, the TLS error.
    private static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out (\(client))"
            case .cancelled: return "cancelled"
            default: return "\(client)"
            }
        }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return "cannot connect: \(describe(first.error))"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }
}
