import Pipeline

/// `internal_metrics`: pipectl's own counters (the admin API's `/metrics`) as metric events.
///
/// - interval (duration, default 10s)
public struct InternalMetricsInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "internal_metrics", role: .input, produces: .fixed(.metric)) {
        InternalMetricsInputConfig(reader: $0)
    }

    let interval: Duration

    init(reader: ConfigReader) {
        interval = reader.duration("interval", default: .seconds(10), minimum: .milliseconds(100))
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(InternalMetricsInput(interval: interval, telemetry: context.telemetry))
    }
}

struct InternalMetricsInput: InputStage {
    let interval: Duration
    let telemetry: PipelineTelemetry

    func run(_ context: InputContext) async throws {
        var next = ContinuousClock.now
        while !Task.isCancelled {
            let samples = telemetry.samples()
            var batch = MetricBatch(capacity: samples.count)
            let now = WallClock.milliseconds()
            for s in samples {
                batch.append(name: s.name, labels: s.labels, value: s.value, timestamp: now, kind: s.kind)
            }
            context.metrics.receivedEvents.wrappingIncrement(by: batch.count, ordering: .relaxed)
            await context.emit(.metrics(consume batch))
            next += interval
            try await Task.sleep(until: next, clock: .continuous)
        }
    }
}
