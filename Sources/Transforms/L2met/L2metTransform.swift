import Pipeline

/// The running `l2met` stage: reads log batches into windows, emits closed windows as metrics.
///
/// Windows are emitted by `tick` (at most a second apart, also under steady load) once the
/// wall clock passes their end plus `allowed_lateness`, so a burst of delayed events
/// aggregates together, each stamped at its end. `finish` (shutdown) emits every window:
/// closed ones at their end, the partial one at the flush time rather than its future end,
/// so it is visible at once and a restart within the window writes a second, later timestamp.
public struct L2metTransform: TransformStage {
    private var parser: L2metLineParser
    private var aggregator: L2metAggregator
    private let labels: L2metLabels
    private let quantiles: [Double]
    public let tickInterval: Duration?
    private let lateness: Int64
    /// Unix ns; `finish` reads it to stamp the partial window.
    private let clock: @Sendable () -> Int64

    init(config: L2metTransformConfig, problems: MetricTransformProblems, clock: @escaping @Sendable () -> Int64) {
        parser = L2metLineParser(naming: L2metNaming(prefix: Array(config.prefix.utf8), keepUnits: config.keepUnits),
                                 problems: problems)
        aggregator = L2metAggregator(interval: config.interval.nanoseconds, maxSeries: config.maxSeries,
                                     maxSamples: config.maxSamples, ttl: config.seriesTTL.nanoseconds,
                                     bounds: config.buckets)
        labels = L2metLabels(staticLabels: config.labels)
        quantiles = config.quantiles
        tickInterval = min(config.interval, .seconds(1))
        lateness = config.allowedLateness.nanoseconds
        self.clock = clock
    }

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        guard case .logs(let logs) = consume batch else { return }
        read(logs)
    }

    public mutating func tick(now: Int64, into output: inout TransformOutput) {
        flush(before: aggregator.windowStart(now - lateness), into: &output)
    }

    public mutating func finish(into output: inout TransformOutput) {
        let stamp = partialWindow(flushedAt: clock())
        aggregator.fold(after: stamp.start)
        flush(before: .max, stampedNoLaterThan: stamp.timestamp, into: &output)
    }

    /// The partial window at a flush at `now` (Unix ns) and its timestamp: `now` truncated to
    /// the millisecond (samples carry milliseconds), in the window holding the millisecond
    /// before it, and never a closed window; so the windows before it keep their end, which
    /// is at least a millisecond earlier.
    private func partialWindow(flushedAt now: Int64) -> (start: Int64, timestamp: Int64) {
        let flushed = now / 1_000_000 * 1_000_000
        let start = max(aggregator.windowStart(flushed - 1), aggregator.watermark)
        // Only when a tick closed the window before it less than a millisecond ago (with
        // no allowed_lateness): a millisecond ahead rather than on that window's timestamp.
        return (start, max(flushed, start + 1_000_000))
    }

    /// Emits every window that starts before `limit` (so every window ending at or before it),
    /// each stamped at its end or at `latest`, whichever comes first.
    private mutating func flush(before limit: Int64, stampedNoLaterThan latest: Int64 = .max,
                                into output: inout TransformOutput) {
        var writer = L2metSampleWriter(labels: labels, quantiles: quantiles, bounds: aggregator.bounds)
        aggregator.flush(before: limit) { series, key, cell, end in
            writer.write(series, key: key, cell: &cell, timestamp: min(end, latest))
        }
        for batch in writer.take() { output.emit(.metrics(batch)) }
    }

    /// Hands every event's message and header fields to the parser, as bytes in the arena.
    private mutating func read(_ logs: LogBatch) {
        let readerIndex = logs.arena.readerIndex
        logs.arena.withUnsafeReadableBytes { arena in
            func bytes(_ span: ByteSpan) -> UnsafeRawBufferPointer {
                let start = Int(span.offset) - readerIndex
                return UnsafeRawBufferPointer(rebasing: arena[start..<(start + Int(span.length))])
            }
            let none = UnsafeRawBufferPointer(start: nil, count: 0)
            for i in 0..<logs.count {
                let record = logs.records[i]
                var line = L2metLine(message: bytes(record.message), procid: none, appname: none, app: none,
                                     timestamp: record.timestamp)
                logs.forEachField(i) { key, value in
                    guard case .known(let field) = key, case .bytes(let span) = value else { return }
                    switch field {
                    case .procid: line.procid = bytes(span)
                    case .appname: line.appname = bytes(span)
                    case .app: line.app = bytes(span)
                    default: break
                    }
                }
                parser.parse(line, into: &aggregator)
            }
        }
    }
}
