import Atomics
import Pipeline

/// Writes the events set aside before sending (`CloudWatchLogsRefusal`) to the output's
/// dead-letter file, one record per reason, counting and logging them as the driver does.
final class CloudWatchLogsDeadLetters: Sendable {
    let name: String
    let endpoint: String
    let deadLetter: DeliveryDeadLetter
    let metrics: ComponentMetrics
    let log: RateLimitedLogger
    /// `errors{kind="truncated"}`: messages cut to `max_message_bytes`.
    let truncated: ManagedAtomic<Int>

    init(name: String, endpoint: String, deadLetter: DeliveryDeadLetter, metrics: ComponentMetrics, log: RateLimitedLogger) {
        self.name = name
        self.endpoint = endpoint
        self.deadLetter = deadLetter
        self.metrics = metrics
        self.log = log
        truncated = metrics.errorCounter("truncated")
    }

    /// Dead-letters events `refusals` of `batch`, grouped by reason.
    func write(_ refusals: [(Int, CloudWatchLogsRefusal)], of batch: LogBatch, encoder: CloudWatchLogsEncoder) {
        for reason in CloudWatchLogsRefusal.allCases {
            let entries = refusals.filter { $0.1 == reason }.map { CloudWatchLogsPayload.Entry(batch: 0, index: UInt32($0.0)) }
            guard !entries.isEmpty else { continue }
            let payload = CloudWatchLogsPayload(group: [], stream: [], batches: [batch], entries: entries, encoder: encoder)
            let failure = DeliveryFailure(kind: reason.rawValue, description: "\(name): \(reason.describe(entries.count))")
            metrics.errorCounter(reason.rawValue).wrappingIncrement(by: entries.count, ordering: .relaxed)
            metrics.dropCounter("rejected").wrappingIncrement(by: entries.count, ordering: .relaxed)
            do {
                try deadLetter.write(payload, failure: failure, endpoint: endpoint)
                log.error("\(failure.description); written to \(deadLetter.path)")
            } catch {
                metrics.errorCounter("dead_letter").wrappingIncrement(ordering: .relaxed)
                log.error("\(failure.description); lost: \(error)")
            }
        }
    }
}
