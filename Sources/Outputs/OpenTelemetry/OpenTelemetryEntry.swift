/// One event of an opentelemetry request: its groups, where its encoded record lives, and
/// which event it is (for dead letters).
struct OpenTelemetryEntry: Sendable {
    /// The resource in the request's outer `OpenTelemetryGroupTable`.
    var outer: UInt32
    /// The scope (logs) or metric (metrics) in the inner table.
    var inner: UInt32
    /// The event: its batch in the request's `batches` and its row there.
    var batch: UInt32
    var index: UInt32
    /// The record's bytes in the request's `records`.
    var offset: UInt32
    var length: UInt32

    var record: Range<Int> { Int(offset)..<Int(offset) + Int(length) }

    /// Request order: resources in the order they first came, each one's scopes (metrics)
    /// likewise, events in arrival order within.
    static func requestOrder(_ a: OpenTelemetryEntry, _ b: OpenTelemetryEntry) -> Bool {
        (a.outer, a.inner, a.batch, a.index) < (b.outer, b.inner, b.batch, b.index)
    }
}

extension ArraySlice<OpenTelemetryEntry> {
    /// Calls `body` with each run of `range` (indices of this slice) whose entries share `key`.
    func forEachRun(_ range: Range<Int>, by key: (OpenTelemetryEntry) -> UInt32, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        while start < range.upperBound {
            let value = key(self[start])
            var end = start + 1
            while end < range.upperBound, key(self[end]) == value { end += 1 }
            body(start..<end)
            start = end
        }
    }
}
