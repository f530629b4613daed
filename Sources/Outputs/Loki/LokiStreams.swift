/// One entry of a Loki request: which stream, when, and where its event and line live.
struct LokiEntry: Sendable {
    /// Unix time in nanoseconds.
    var timestamp: Int64
    /// The stream in the request's `LokiStreams`.
    var stream: UInt32
    /// The event: its batch in the payload's `batches` and its row there.
    var batch: UInt32
    var index: UInt32
    /// Bytes of the line sent (cut to `max_line_bytes`).
    var lineLength: UInt32
    /// Where the line starts in the payload's `lines` (`line: json`); unused for messages.
    var lineOffset: UInt32

    /// Request order: streams in the order they first came, each stream's entries by time,
    /// equal times in arrival order (batch, then row), so the order never depends on the sort.
    static func requestOrder(_ a: LokiEntry, _ b: LokiEntry) -> Bool {
        (a.stream, a.timestamp, a.batch, a.index) < (b.stream, b.timestamp, b.batch, b.index)
    }
}

/// The streams of one request: each one's label string, numbered in the order they came.
///
///     text: │{app="web"}│{app="db", env="prod"}│     ends: [11, 33]
struct LokiStreams: Sendable {
    private(set) var text: [UInt8] = []
    private(set) var ends: [Int] = []

    var count: Int { ends.count }

    /// The label string of stream `n`.
    func withLabels<R>(_ n: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = n == 0 ? 0 : ends[n - 1]
        return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[n]])) }
    }

    /// Bytes of stream `n`'s label string.
    func length(_ n: Int) -> Int { ends[n] - (n == 0 ? 0 : ends[n - 1]) }

    /// Adds a stream; returns its number.
    mutating func append(_ labels: UnsafeRawBufferPointer) -> UInt32 {
        text.append(contentsOf: labels)
        ends.append(text.count)
        return UInt32(ends.count - 1)
    }

    /// True when stream `n` has exactly `labels`.
    func equals(_ n: Int, _ labels: UnsafeRawBufferPointer) -> Bool {
        withLabels(n) { $0.count == labels.count && $0.elementsEqual(labels) }
    }
}

/// Finds a request's stream by label string: a hash → stream table, with a chain for the
/// (rare) label strings that share a hash.
struct LokiStreamIndex {
    private var first: [UInt64: UInt32] = [:]
    /// The next stream with the same hash, per stream; `UInt32.max` ends the chain.
    private var next: [UInt32] = []

    /// The number of the stream with `labels` (hash `key`), added to `streams` when new.
    mutating func stream(_ labels: UnsafeRawBufferPointer, key: UInt64, in streams: inout LokiStreams) -> UInt32 {
        guard var n = first[key] else {
            let added = streams.append(labels)
            first[key] = added
            next.append(.max)
            return added
        }
        while true {
            if streams.equals(Int(n), labels) { return n }
            guard next[Int(n)] != .max else { break }
            n = next[Int(n)]
        }
        let added = streams.append(labels)
        next[Int(n)] = added
        next.append(.max)
        return added
    }

    /// Starts over for the next request.
    mutating func removeAll() {
        first.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
    }
}
