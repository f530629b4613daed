import Pipeline

/// The disk buffer of a network output (`buffer: {type: disk}`), opened when the stage is built.
struct DeliveryDiskBuffer: Sendable {
    let buffer: DiskBuffer
    let whenFull: BufferConfig.WhenFull

    /// The disk buffer of the stage being built when its `buffer` says `type: disk`; nil otherwise.
    static func open(_ context: StageContext, name: String) throws -> DeliveryDiskBuffer? {
        guard context.buffer.kind == .disk else { return nil }
        return try DeliveryDiskBuffer(id: context.id, name: name, config: context.buffer, dataDirectory: context.dataDirectory,
                                      metrics: context.metrics, log: RateLimitedLogger(logger: context.logger))
    }

    /// Opens `data_dir/buffers/<id>/`, recovering what a previous run left; logs and counts
    /// (`errors{kind="buffer"}`) what the buffer reports, and feeds `/metrics` its gauges.
    /// `name` is the component in messages: `loki(logs)`.
    init(id: String, name: String, config: BufferConfig, dataDirectory: String, metrics: ComponentMetrics,
         log: RateLimitedLogger) throws {
        let options = DiskBufferOptions(directory: "\(dataDirectory)/buffers/\(id)", maxBytes: config.diskMaxBytes,
                                        fsync: config.fsync == .always ? .always : .interval(.seconds(1)))
        let buffer = try DiskBuffer(options: options, report: { problem in
            metrics.errorCounter("buffer").wrappingIncrement(ordering: .relaxed)
            log.error("\(name): \(problem)")
        })
        metrics.diskBuffer.withLockedValue { gauges in
            // Weakly: the metrics outlive a stopped output, which must let go of the directory's lock.
            gauges = { [weak buffer] in
                let stats = buffer?.stats ?? DiskBufferStats()
                return DiskBufferGauges(bytes: stats.bytes, events: stats.events,
                                        oldestAgeSeconds: Double(stats.oldestAge) / 1e9, written: stats.written,
                                        replayed: stats.replayed, corrupt: stats.corrupt)
            }
        }
        self.buffer = buffer
        whenFull = config.whenFull
    }
}
