/// What `pipectl top` shows about one component: counters of the newer snapshot and rates
/// over the time between two snapshots (nil where there is no earlier one to compare with).
struct ComponentRow: Sendable {
    let id: String
    let kind: String
    let type: String
    /// Events per second in and out, bytes per second in.
    let eventsInPerSecond: Double?
    let eventsOutPerSecond: Double?
    let bytesInPerSecond: Double?
    /// Errors of every kind: in total and per second.
    let errors: Int
    let errorsPerSecond: Double?
    /// Events dropped for any reason, in total.
    let drops: Int
    /// The inbox: nil for inputs, which have none.
    let bufferEvents: Int?
    let bufferBytes: Int?
    /// The fuller of events/max_events and bytes/max_size.
    let bufferFill: Double?
    /// Outputs only: whether it cannot deliver now.
    let failing: Bool?
    /// Outputs only: request latency quantiles over the interval.
    let latencyP50: Double?
    let latencyP99: Double?

    /// One row per component of `current`, in its order; rates against the same id in `previous`.
    static func rows(previous: ComponentsSnapshot?, current: ComponentsSnapshot) -> [ComponentRow] {
        let earlier = Dictionary((previous?.components ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let elapsed = previous.map { current.time - $0.time } ?? 0
        return current.components.map { ComponentRow($0, earlier: earlier[$0.id], elapsed: elapsed) }
    }

    init(_ c: ComponentSample, earlier: ComponentSample?, elapsed: Double) {
        /// A counter's increase per second; a counter that went down restarted from 0.
        func rate(_ counter: (ComponentSample) -> Int) -> Double? {
            guard let earlier, elapsed > 0 else { return nil }
            let now = counter(c), then = counter(earlier)
            return Double(now >= then ? now - then : now) / elapsed
        }
        id = c.id
        kind = c.kind
        type = c.type
        eventsInPerSecond = rate(\.receivedEvents)
        eventsOutPerSecond = rate(\.sentEvents)
        bytesInPerSecond = rate(\.receivedBytes)
        errors = c.errors.values.reduce(0, +)
        errorsPerSecond = rate { $0.errors.values.reduce(0, +) }
        drops = c.dropped.values.reduce(0, +)
        bufferEvents = c.bufferEvents
        bufferBytes = c.bufferBytes
        bufferFill = Self.fill(c)
        failing = c.kind == "output" ? c.failing : nil
        if let histogram = c.requestDurationSeconds, earlier != nil, elapsed > 0 {
            latencyP50 = HistogramQuantile.estimate(0.5, earlier: earlier?.requestDurationSeconds, later: histogram)
            latencyP99 = HistogramQuantile.estimate(0.99, earlier: earlier?.requestDurationSeconds, later: histogram)
        } else {
            latencyP50 = nil
            latencyP99 = nil
        }
    }

    private static func fill(_ c: ComponentSample) -> Double? {
        guard let events = c.bufferEvents, let maxEvents = c.bufferMaxEvents, maxEvents > 0 else { return nil }
        var fill = Double(events) / Double(maxEvents)
        if let bytes = c.bufferBytes, let maxBytes = c.bufferMaxBytes, maxBytes > 0 {
            fill = max(fill, Double(bytes) / Double(maxBytes))
        }
        return fill
    }
}
