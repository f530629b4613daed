import Pipeline

/// Maps an HTTP attempt's result to what the driver does next, for plain receivers.
///
/// | answer                         | outcome                   | errors{kind} |
/// |--------------------------------|---------------------------|--------------|
/// | 2xx                            | delivered                 |              |
/// | 429                            | retry (Retry-After)       | `http_429`   |
/// | 5xx                            | retry (Retry-After)       | `http_5xx`   |
/// | no answer (connect, timeout)   | retry                     | `network`    |
/// | 413                            | split in halves           | `http_4xx`   |
/// | other 4xx, 1xx, 3xx            | reject (dead letter)      | `http_4xx`   |
///
/// Protocols with per-item results (Elasticsearch bulk) or side requests (CloudWatch's
/// missing stream) read the answers they know themselves and fall back on this table.
package struct DeliveryHTTPClassifier: Sendable {
    /// The component's name in messages: `prometheus_remote_write(vm)`.
    package let name: String
    /// The receiver's address in messages.
    package let endpoint: String

    package init(name: String, endpoint: String) {
        self.name = name
        self.endpoint = endpoint
    }

    /// Classifies `result`; `nowSeconds` (Unix time) resolves a `Retry-After` date.
    package func classify<Side>(_ result: DeliveryResult<DeliveryHTTPResponse>,
                                nowSeconds: Int64 = WallClock.nanoseconds() / 1_000_000_000) -> DeliveryOutcome<Side> {
        switch result {
        case .failure(let reason):
            return .retry(after: nil, DeliveryFailure(kind: "network", description: "\(name): \(endpoint): \(reason)"))
        case .response(let response):
            let failure = self.failure(response)
            switch response.status {
            case 200..<300:
                return .delivered
            case 429, 500..<600:
                return .retry(after: retryAfter(response, nowSeconds: nowSeconds), failure)
            case 413:
                return .split(failure)
            default:
                return .reject(failure)
            }
        }
    }

    /// The failure an answer stands for: its kind, `400 from http://…: <first bytes of the body>`.
    package func failure(_ response: DeliveryHTTPResponse) -> DeliveryFailure {
        let text = response.body.boundedLine()
        return DeliveryFailure(kind: Self.kind(response.status),
                               description: "\(name): \(response.status) from \(endpoint)" + (text.isEmpty ? "" : ": \(text)"),
                               status: response.status, response: response.body)
    }

    /// The wait a `Retry-After` header asks for, if any.
    package func retryAfter(_ response: DeliveryHTTPResponse, nowSeconds: Int64) -> Duration? {
        response.headers.first(name: "Retry-After").flatMap { DeliveryRetryAfter.parse($0, nowSeconds: nowSeconds) }
    }

    private static func kind(_ status: Int) -> String {
        switch status {
        case 429: "http_429"
        case 500..<600: "http_5xx"
        case 200..<300: "none"
        default: "http_4xx"
        }
    }
}
