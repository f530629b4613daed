import Pipeline

/// Small batches for tests.
public enum TestBatches {
    /// A log batch with one event per message; event `i` has timestamp `firstTimestamp + i`.
    public static func logs(_ messages: [String], firstTimestamp: Int64 = 0) -> EventBatch {
        var batch = LogBatch(capacity: messages.count, bytesPerEvent: 16)
        for (i, m) in messages.enumerated() { batch.append(timestamp: firstTimestamp + Int64(i), message: m) }
        return .logs(batch)
    }

    /// A log batch of `count` events with messages `prefix0`, `prefix1`, ….
    public static func logs(count: Int, prefix: String = "e", firstTimestamp: Int64 = 0) -> EventBatch {
        logs((0..<count).map { "\(prefix)\($0)" }, firstTimestamp: firstTimestamp)
    }

    /// A metric batch of `count` gauge samples named `name` with label `i` = the index.
    public static func metrics(count: Int, name: String = "test_metric") -> EventBatch {
        var batch = MetricBatch(capacity: count)
        for i in 0..<count { batch.append(name: name, labels: [("i", String(i))], value: Double(i), timestamp: 0, kind: .gauge) }
        return .metrics(batch)
    }

    /// The first event's timestamp of a log batch (identifies batches in ordering tests).
    public static func firstTimestamp(_ batch: EventBatch) -> Int64? {
        guard case .logs(let logs) = batch, !logs.isEmpty else { return nil }
        return logs.records[0].timestamp
    }
}
