import Pipeline

/// What `log_to_metric` keeps about one series across batches.
struct LogToMetricSeries: Sendable {
    var rule: Int
    /// Counter total or gauge value.
    var value: Double = 0
    /// Histogram count, sum and per-bucket counts (`+Inf` last).
    var count: UInt64 = 0
    var sum: Double = 0
    var buckets: [UInt64] = []
    /// Unix ns of the latest event that touched the series (the latest by time, not by order).
    var timestamp: Int64 = .min
    /// Unix ns of the last sample emitted (the next one goes at least a millisecond later).
    var emitted: Int64 = .min
    /// Wall clock (Unix ns) of the batch that last touched it, for `series_ttl`.
    var lastSeen: Int64 = 0
    /// Touched since the last tick: in the stage's list of series to emit.
    var touched = false
    var live = true
}

/// The running `log_to_metric` stage: updates series per event; every `flush_interval`
/// (`tick`) emits each series touched since the last tick, once, with its current values.
///
/// A drain delivers a batch about every second per dyno; emitting per batch sent the same
/// cumulative series to remote-write that often. `finish` emits what is still unsent.
public struct LogToMetricTransform: TransformStage {
    private let rules: [LogToMetricRule]
    private let maxSeries: Int
    private let ttl: Int64
    private let problems: MetricTransformProblems
    private let clock: @Sendable () -> Int64
    private var index = MetricSeriesIndex()
    private var series: [LogToMetricSeries] = []
    private var touched: [Int32] = []
    private var key: [UInt8] = []
    private var nextExpiry: Int64 = .min
    public let tickInterval: Duration?

    init(rules: [LogToMetricRule], flushInterval: Duration, maxSeries: Int, ttl: Int64, problems: MetricTransformProblems,
         clock: @escaping @Sendable () -> Int64) {
        self.rules = rules
        tickInterval = flushInterval
        self.maxSeries = maxSeries
        self.ttl = ttl
        self.problems = problems
        self.clock = clock
    }

    public mutating func process(_ batch: consuming EventBatch, into output: inout TransformOutput) {
        guard case .logs(let logs) = consume batch else { return }
        let now = clock()
        for i in 0..<logs.count {
            for r in rules.indices { apply(r, logs, i, now: now) }
        }
        if now >= nextExpiry { expire(now) }
    }

    public mutating func tick(now: Int64, into output: inout TransformOutput) {
        emitTouched(into: &output)
        if now >= nextExpiry { expire(now) }
    }

    public mutating func finish(into output: inout TransformOutput) {
        emitTouched(into: &output)
    }

    /// Emits every series touched since the last call, once, stamped at its latest event and
    /// at least a millisecond after its previous sample: a late event must not write a sample
    /// before or on one already sent (remote-write receivers reject both).
    private mutating func emitTouched(into output: inout TransformOutput) {
        var writer = LogToMetricWriter()
        for id in touched {
            let stamp = max(series[Int(id)].timestamp, series[Int(id)].emitted + 1_000_000)
            series[Int(id)].touched = false
            series[Int(id)].emitted = stamp
            writer.write(series[Int(id)], rule: rules[series[Int(id)].rule], key: index.key(id), timestamp: stamp)
        }
        touched.removeAll(keepingCapacity: true)
        for batch in writer.take() { output.emit(.metrics(batch)) }
    }

    /// Applies metric `r` to event `i`.
    private mutating func apply(_ r: Int, _ logs: LogBatch, _ i: Int, now: Int64) {
        let rule = rules[r]
        if let when = rule.when, !FilterEvaluator.matches(when, logs: logs, i) { return }
        var value = 1.0
        if let field = rule.field {
            guard let v = self.value(of: field, rule, logs, i) else { return }
            value = v
        }
        key.removeAll(keepingCapacity: true)
        key.append(UInt8(truncatingIfNeeded: r))
        key.append(UInt8(truncatingIfNeeded: r >> 8))
        for label in rule.labels {
            let start = SeriesKeyLabelValue.begin(in: &key)
            label.template.render(logs, i, into: &key)
            SeriesKeyLabelValue.end(in: &key, from: start)
        }
        guard let id = seriesID(rule) else { return }
        Self.update(&series[Int(id)], rule, value: value)
        series[Int(id)].timestamp = max(series[Int(id)].timestamp, logs.records[i].timestamp)
        series[Int(id)].lastSeen = now
        if !series[Int(id)].touched {
            series[Int(id)].touched = true
            touched.append(id)
        }
    }

    /// The id of the series whose key is in `key`, created when new; nil over `max_series`.
    private mutating func seriesID(_ rule: LogToMetricRule) -> Int32? {
        let id: Int32? = key.withUnsafeBytes { key in
            let hash = MetricSeriesIndex.hash(key)
            if let found = index.find(key, hash: hash) { return found }
            guard index.count < maxSeries else { return nil }
            return index.insert(key, hash: hash)
        }
        guard let id else {
            problems.seriesDropped(rule.name)
            return nil
        }
        if Int(id) == series.count || !series[Int(id)].live {
            let fresh = LogToMetricSeries(rule: Int(key[0]) | Int(key[1]) << 8,
                                          buckets: rule.kind == .histogram ? Array(repeating: 0, count: rule.buckets.count + 1) : [])
            if Int(id) == series.count { series.append(fresh) } else { series[Int(id)] = fresh }
        }
        return id
    }

    private static func update(_ s: inout LogToMetricSeries, _ rule: LogToMetricRule, value: Double) {
        switch rule.kind {
        case .counter: s.value += value
        case .gauge: s.value = value
        case .histogram:
            s.count += 1
            s.sum += value
            var b = 0
            while b < rule.buckets.count, value > rule.buckets[b] { b += 1 }
            s.buckets[b] += 1
        }
    }

    /// The number in `field` of event `i`, units normalised; nil (counted when malformed) otherwise.
    private func value(of field: FieldName, _ rule: LogToMetricRule, _ logs: LogBatch, _ i: Int) -> Double? {
        let raw: FieldValue? = field.isMessage ? .bytes(logs.records[i].message) : logs.field(i, field)
        let number: Double?
        switch raw {
        case nil: return nil
        case .int(let v)?: number = Double(v)
        case .double(let v)?: number = v
        case .bool(let v)?: number = v ? 1 : 0
        case .bytes(let span)?:
            if span.length == 0 { return nil }
            number = logs.withBytes(span) { bytes in
                NumberWithUnit.parse(bytes, allowNegative: true).map { parsed in
                    UnitConversion.classify(UnsafeRawBufferPointer(rebasing: bytes[parsed.unit])).normalize(parsed.number)
                }
            }
        }
        guard let number, number.isFinite else {
            problems.invalidValue("\(rule.name): \(field)=\(raw.map { logs.literal($0).description } ?? "")")
            return nil
        }
        guard rule.kind != .counter || number >= 0 else {
            problems.invalidValue("\(rule.name): \(field)=\(logs.literal(raw!).description)", reason: "a counter cannot decrease")
            return nil
        }
        return number
    }

    /// Forgets series not touched for `series_ttl` (never one still waiting to be emitted).
    private mutating func expire(_ now: Int64) {
        nextExpiry = now + min(ttl, 60_000_000_000)
        for id in series.indices where series[id].live && !series[id].touched && series[id].lastSeen <= now - ttl {
            index.remove(Int32(id))
            series[id].live = false
            series[id].buckets = []
        }
    }
}
