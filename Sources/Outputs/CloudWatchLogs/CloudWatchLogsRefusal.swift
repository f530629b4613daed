import Pipeline

/// Events CloudWatch Logs would refuse, found before sending and dead-lettered with the reason,
/// so they never cost a request (or, for an empty name, fail a whole one).
///
/// | reason       | the event                                            |
/// |--------------|------------------------------------------------------|
/// | `too_old`    | is more than 14 days older than now                  |
/// | `too_new`    | is more than 2 hours newer than now                  |
/// | `empty`      | has an empty message (CloudWatch needs 1 character)   |
/// | `empty_name` | renders an empty `group_name` or `stream_name`       |
///
/// Each is counted as `errors{kind=<reason>}` and `dropped{reason="rejected"}`, as the
/// driver counts what the receiver refuses. CloudWatch checks the age again when the
/// request arrives, against the log group's retention too; what it refuses then comes
/// back in `rejectedLogEventsInfo` (`CloudWatchLogsProtocol`).
enum CloudWatchLogsRefusal: String, CaseIterable, Sendable {
    case tooOld = "too_old"
    case tooNew = "too_new"
    case empty
    case emptyName = "empty_name"

    /// How far back and ahead of now CloudWatch accepts events.
    static let maxAge: Int64 = 14 * 86_400 * 1_000_000_000
    static let maxAhead: Int64 = 2 * 3600 * 1_000_000_000

    /// Why event `i` of `batch` cannot go, given the wall clock `now` (Unix ns); nil when it can.
    static func check(_ batch: LogBatch, _ i: Int, now: Int64) -> CloudWatchLogsRefusal? {
        let record = batch.records[i]
        if record.timestamp < now - maxAge { return .tooOld }
        if record.timestamp > now + maxAhead { return .tooNew }
        if record.message.length == 0 { return .empty }
        return nil
    }

    /// The reason in messages and dead letters.
    func describe(_ count: Int) -> String {
        switch self {
        case .tooOld: "\(count) events more than 14 days old (CloudWatch Logs refuses them)"
        case .tooNew: "\(count) events more than 2 hours in the future (CloudWatch Logs refuses them)"
        case .empty: "\(count) events with an empty message (CloudWatch Logs needs at least 1 character)"
        case .emptyName: "\(count) events whose group_name or stream_name renders empty"
        }
    }
}
