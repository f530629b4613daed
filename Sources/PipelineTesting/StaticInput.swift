import Pipeline

/// An input that emits a fixed list of batches, in order, then returns (closing its outputs).
public struct StaticInput: InputStage {
    /// The batches to emit.
    public let batches: [EventBatch]

    public init(_ batches: [EventBatch]) { self.batches = batches }

    public func run(_ context: InputContext) async throws {
        for batch in batches {
            try Task.checkCancellation()
            context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            await context.emit(batch)
        }
    }
}
