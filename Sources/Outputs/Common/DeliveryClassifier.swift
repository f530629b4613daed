/// Maps an attempt's result to what the driver does next, for plain HTTP receivers.
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
/// Protocols with per-item results (Elasticsearch bulk) classify the 200 themselves and
/// fall back on this table for the rest.
package struct DeliveryClassifier: Sendable {
    /// The component's name in messages: `prometheus_remote_write(vm)`.
    package let name: String
    /// The receiver's address in messages.
    package let endpoint: String

    package init(name: String, endpoint: String) {
        self.name = name
        self.endpoint = endpoint
    }

    /// Classifies `result`; `nowSeconds` (Unix time) resolves a `Retry-After` date.
    package func classify(_ result: DeliveryResult, nowSeconds: Int64) -> DeliveryOutcome {
        switch result {
        case .failure(let reason):
            return .retry(after: nil, DeliveryFailure(kind: "network", description: "\(name): \(endpoint): \(reason)"))
        case .response(let response):
            let status = response.status
            let failure = DeliveryFailure(kind: Self.kind(status), description: describe(response),
                                          status: status, responseBody: response.body)
            switch status {
            case 200..<300:
                return .delivered
            case 429, 500..<600:
                let after = response.headers.first(name: "Retry-After")
                    .flatMap { DeliveryRetryAfter.parse($0, nowSeconds: nowSeconds) }
                return .retry(after: after, failure)
            case 413:
                return .split(failure)
            default:
                return .reject(failure)
            }
        }
    }

    /// `400 from http://…/api/v1/write: <first line of the body>`.
    private func describe(_ response: DeliveryResponse) -> String {
        let text = response.body.trimmingWhitespace
        return "\(name): \(response.status) from \(endpoint)" + (text.isEmpty ? "" : ": \(text)")
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

extension String {
    /// The text without leading and trailing spaces or newlines, newlines inside as spaces.
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last].map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }
}
