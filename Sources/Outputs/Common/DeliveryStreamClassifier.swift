/// Maps a stream write's result to what the driver does next: written is delivered (the
/// transport keeps it until confirmed), no connection or a failed write is retried
/// (`errors{kind="network"}`), which reconnects. Streams have no statuses to reject,
/// nothing to split and no per-item answers.
package struct DeliveryStreamClassifier: Sendable {
    /// The component's name in messages: `syslog(rsyslog)`.
    package let name: String
    /// The receiver's address in messages.
    package let endpoint: String

    package init(name: String, endpoint: String) {
        self.name = name
        self.endpoint = endpoint
    }

    package func classify<Side>(_ result: DeliveryResult<Void>) -> DeliveryOutcome<Side> {
        switch result {
        case .response: .delivered
        case .failure(let reason): .retry(after: nil, DeliveryFailure(kind: "network", description: "\(name): \(endpoint): \(reason)"))
        }
    }
}
