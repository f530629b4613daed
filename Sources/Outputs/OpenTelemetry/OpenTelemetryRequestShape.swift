import Codecs

/// Where the items of an OTLP export request sit. The three requests nest them alike; metrics
/// go two levels deeper, to the data points of each metric's data:
///
/// ```
/// logs, traces   request ─ 0a ResourceX ─ 12 ScopeX ─ 12 LogRecord | Span
/// metrics        request ─ 0a ResourceMetrics ─ 12 ScopeMetrics ─ 12 Metric ─ 2a Gauge     ─ 0a point
///                                                                             3a Sum
///                                                                             4a Histogram
///                                                                             52 ExponentialHistogram
///                                                                             5a Summary
/// ```
/// Items are numbered in wire order; `sent` and `dropped` count them, as for the requests
/// made from events (log records, data points, spans).
struct OpenTelemetryRequestShape: Sendable {
    /// Per level, from the request down, the fields holding the next level's messages; the
    /// fields of the last level hold the items.
    let levels: [[UInt32]]

    static let logs = OpenTelemetryRequestShape(levels: [[1], [2], [2]])
    static let traces = logs
    static let metrics = OpenTelemetryRequestShape(levels: [[1], [2], [2], [5, 7, 9, 10, 11], [1]])

    static func of(_ signal: OTLPSignal) -> OpenTelemetryRequestShape {
        switch signal {
        case .logs: logs
        case .metrics: metrics
        case .traces: traces
        }
    }

    /// The messages around an item, outermost first: each one's field number in its parent
    /// and its range in the request (`ResourceLogs`, `ScopeLogs`; for metrics also the
    /// `Metric` and its data, whose field number says the metric type).
    typealias Path = [(field: UInt32, range: Range<Int>)]

    /// Whether field `number` of a message at `level` holds the next level (or an item).
    func holds(_ number: UInt32, at level: Int) -> Bool { levels[level].contains(number) }

    /// Calls `body` with each item's path and range, in wire order. Throws
    /// `ProtobufReader.Malformed` where the request breaks, or where a field that holds a
    /// level is not a message.
    func forEachItem(_ request: UnsafeRawBufferPointer, _ body: (Path, Range<Int>) throws -> Void) throws {
        var path: Path = []
        try walk(ProtobufReader(request), level: 0, &path, body)
    }

    /// The number of items in `request`; throws as `forEachItem`.
    func count(_ request: UnsafeRawBufferPointer) throws -> Int {
        var count = 0
        try forEachItem(request) { _, _ in count += 1 }
        return count
    }

    private func walk(_ message: ProtobufReader, level: Int, _ path: inout Path, _ body: (Path, Range<Int>) throws -> Void) throws {
        var reader = message
        while true {
            let start = reader.offset
            guard let field = try reader.next() else { return }
            guard holds(field.number, at: level) else { continue }
            guard case .bytes(let range) = field.value else {
                throw ProtobufReader.Malformed(offset: start, reason: "field \(field.number) is not a message")
            }
            if level == levels.count - 1 {
                try body(path, range)
            } else {
                path.append((field.number, range))
                try walk(reader.reader(for: range), level: level + 1, &path, body)
                path.removeLast()
            }
        }
    }
}
