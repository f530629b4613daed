import Pipeline

/// An input that emits numbered log events: field `source` names the input, the custom
/// int field `seq` counts up from 0, and the timestamp equals `seq`.
///
/// With `count == nil` it runs until cancelled (shutdown), checking between batches.
public struct SequenceInput: InputStage {
    /// The message every event carries.
    public static let message = "sequence event"
    /// The name of the counting field.
    public static let seqField = FieldName("seq")

    /// The `source` field value.
    public let source: String
    /// Events to emit; nil for endless.
    public let count: Int?
    /// Events per batch.
    public let batchSize: Int

    public init(source: String, count: Int?, batchSize: Int = 512) {
        self.source = source
        self.count = count
        self.batchSize = max(1, batchSize)
    }

    public func run(_ context: InputContext) async throws {
        var seq = 0
        while count.map({ seq < $0 }) ?? true {
            try Task.checkCancellation()
            let n = min(batchSize, (count ?? Int.max) - seq)
            let batch = makeBatch(from: seq, count: n)
            seq += n
            context.metrics.receivedEvents.wrappingIncrement(by: n, ordering: .relaxed)
            await context.emit(.logs(consume batch))
        }
    }

    /// One batch of events `first ..< first + count`.
    public func makeBatch(from first: Int, count n: Int) -> LogBatch {
        var batch = LogBatch(capacity: n, bytesPerEvent: 8)
        // The message, the source value and the `seq` key are stored once per batch and
        // shared by its events. Events are fresh, so `appendField` is `setField` without
        // the lookup; each event costs one row and two field records.
        let message = batch.store(Self.message)
        let sourceSpan = batch.store(source)
        let seqKey = batch.store(Self.seqField.string)
        for seq in first..<(first + n) {
            let i = batch.append(timestamp: Int64(seq), messageSpan: message)
            batch.appendField(i, .known(.source), .bytes(sourceSpan))
            batch.appendField(i, .custom(seqKey), .int(Int64(seq)))
        }
        return batch
    }
}
