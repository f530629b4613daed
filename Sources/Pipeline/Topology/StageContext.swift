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
    /// The component's `buffer:` options (an output with `type: disk` opens its disk buffer).
    public let buffer: BufferConfig
}

/// What a running input uses to hand batches downstream.
public struct InputContext: Sendable {
    public let id: String
    public let metrics: ComponentMetrics
    public let logger: Logger
    public let emitter: Emitter

    /// Sends a batch downstream on lane 0, parking while a downstream queue is full
    /// (backpressure). The batch is handed over: pass it with `consume` where the caller
    /// keeps a variable, so downstream stages can mutate it without a copy.
    public func emit(_ batch: consuming EventBatch) async {
        await emitter.lanes[0].emit(consume batch)
    }

    /// Sends the batch in `slot` on lane 0 if every blocking downstream has room, leaving
    /// `slot` nil; false (nothing sent or counted) otherwise.
    public func tryEmit(_ slot: inout EventBatch?) -> Bool { emitter.lanes[0].tryEmit(&slot) }
}

/// What a running output consumes.
public struct OutputContext: Sendable {
    public let id: String
    public let metrics: ComponentMetrics
    public let logger: Logger
    /// The output's inbound queues; `next()` returns nil once every upstream finished.
    public let inbox: StageInbox
}
