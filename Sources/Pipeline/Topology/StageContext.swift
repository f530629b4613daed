import Logging

/// What a component gets when its stage is built.
public struct StageContext: Sendable {
    /// The component id.
    public let id: String
    /// The pipeline's `data_dir` (created and checked writable before stages are built).
    public let dataDirectory: String
    /// The component's counters.
    public let metrics: ComponentMetrics
    /// A logger with `component` metadata set.
    public let logger: Logger
    /// Every component's counters and queues, for `internal_metrics`.
    public let telemetry: PipelineTelemetry
}

/// What a running input uses to hand batches downstream.
public struct InputContext: Sendable {
    public let id: String
    public let metrics: ComponentMetrics
    public let logger: Logger
    public let emitter: Emitter

    /// Sends a batch downstream, parking while a downstream queue is full (backpressure).
    public func emit(_ batch: EventBatch) async {
        await emitter.emit(batch)
    }

    /// Sends a batch if every downstream has room; false (and nothing counted) otherwise.
    public func tryEmit(_ batch: EventBatch) -> Bool { emitter.tryEmit(batch) }
}

/// What a running output consumes.
public struct OutputContext: Sendable {
    public let id: String
    public let metrics: ComponentMetrics
    public let logger: Logger
    /// The output's inbound queues; `next()` returns nil once every upstream finished.
    public let inbox: StageInbox
}
