import NIOCore

/// What a metric sample is, as Prometheus types it.
public enum MetricKind: UInt8, Sendable, CaseIterable {
    case counter, gauge, summary, histogram
    /// A scraped sample whose family has no (or an unknown) `# TYPE`.
    case untyped

    /// The name Prometheus uses in `# TYPE` lines and pipectl in JSON.
    public var name: String {
        switch self {
        case .counter: "counter"
        case .gauge: "gauge"
        case .summary: "summary"
        case .histogram: "histogram"
        case .untyped: "untyped"
        }
    }
}

/// One metric sample's row in a `MetricBatch`.
public struct MetricRecord: Sendable {
    /// The metric name bytes in the arena.
    public var name: ByteSpan
    /// Index of the first label in `MetricBatch.labels`.
    public var labelStart: Int32
    /// Number of labels (contiguous from `labelStart`).
    public var labelCount: Int32
    /// The sample value.
    public var value: Double
    /// Unix time in milliseconds, as remote-write carries it.
    public var timestamp: Int64
    /// Counter, gauge, or a part of a summary/histogram.
    public var kind: MetricKind
}

/// One label of one metric sample.
public struct LabelRecord: Sendable {
    public var name: ByteSpan
    public var value: ByteSpan

    public init(name: ByteSpan, value: ByteSpan) {
        self.name = name
        self.value = value
    }
}

/// A batch of metric samples stored column-wise: rows, labels and one byte arena.
public struct MetricBatch: Sendable {
    /// Every string of the batch: names, label names and values.
    public internal(set) var arena: ByteBuffer
    /// Shared by every holder of this batch's storage (see `BatchCopies`).
    private var identity = BatchIdentity()
    /// The inputs waiting on these events (see `Acknowledgements`).
    public var acknowledgements = Acknowledgements()
    /// One row per sample, in order.
    public private(set) var records: [MetricRecord]
    /// Labels of every sample; a sample's labels are contiguous.
    public private(set) var labels: [LabelRecord]

    /// An empty batch with room for `capacity` samples and `labelCapacity` labels (default 3
    /// per sample); a producer that knows better (the last scrape's count) saves the array
    /// growing in doubling steps, which left up to half of it unused.
    public init(capacity: Int = 512, labelCapacity: Int? = nil) {
        arena = ByteBufferAllocator().buffer(capacity: capacity * 64)
        records = []
        records.reserveCapacity(capacity)
        labels = []
        labels.reserveCapacity(labelCapacity ?? capacity * 3)
    }

    /// Number of samples.
    public var count: Int { records.count }
    /// True when the batch holds no samples.
    public var isEmpty: Bool { records.isEmpty }
    /// Bytes held in the arena.
    public var byteCount: Int { arena.readableBytes }

    /// Appends a sample with the labels `labels` (name/value pairs); returns its index.
    @discardableResult
    public mutating func append(name: String, labels pairs: [(String, String)] = [], value: Double,
                                timestamp: Int64, kind: MetricKind) -> Int {
        BatchIdentity.willMutate(&identity)
        let nameSpan = arena.appendSpan(name)
        let start = Int32(labels.count)
        for (n, v) in pairs {
            labels.append(LabelRecord(name: arena.appendSpan(n), value: arena.appendSpan(v)))
        }
        records.append(MetricRecord(name: nameSpan, labelStart: start, labelCount: Int32(pairs.count),
                                    value: value, timestamp: timestamp, kind: kind))
        return records.count - 1
    }

    /// Appends a sample whose name and labels already sit in the arena.
    @discardableResult
    public mutating func append(nameSpan: ByteSpan, labels newLabels: [LabelRecord], value: Double,
                                timestamp: Int64, kind: MetricKind) -> Int {
        append(nameSpan: nameSpan, labels: newLabels[...], value: value, timestamp: timestamp, kind: kind)
    }

    /// Appends a sample whose name and labels already sit in the arena. (A concrete slice, not
    /// a generic collection: unspecialised across modules, that copied label by label.)
    @discardableResult
    public mutating func append(nameSpan: ByteSpan, labels newLabels: ArraySlice<LabelRecord>, value: Double,
                                timestamp: Int64, kind: MetricKind) -> Int {
        BatchIdentity.willMutate(&identity)
        let start = Int32(labels.count)
        labels.append(contentsOf: newLabels)
        records.append(MetricRecord(name: nameSpan, labelStart: start, labelCount: Int32(newLabels.count),
                                    value: value, timestamp: timestamp, kind: kind))
        return records.count - 1
    }

    /// Gives sample `index` a new name and labels (spans in the arena): written over its old
    /// labels when they fit (a sample's labels are its own), else appended. So a transform that
    /// rewrites every series leaves no dead label rows behind.
    public mutating func replaceSeries(_ index: Int, nameSpan: ByteSpan, labels newLabels: ArraySlice<LabelRecord>) {
        BatchIdentity.willMutate(&identity)
        let start = Int(records[index].labelStart)
        if newLabels.count <= Int(records[index].labelCount) {
            labels.replaceSubrange(start..<(start + newLabels.count), with: newLabels)
        } else {
            records[index].labelStart = Int32(labels.count)
            labels.append(contentsOf: newLabels)
        }
        records[index].labelCount = Int32(newLabels.count)
        records[index].name = nameSpan
    }

    /// Copies bytes into the arena.
    public mutating func store(_ bytes: UnsafeRawBufferPointer) -> ByteSpan {
        BatchIdentity.willMutate(&identity)
        return arena.appendSpan(bytes)
    }

    /// Copies a string into the arena.
    public mutating func store(_ string: String) -> ByteSpan {
        BatchIdentity.willMutate(&identity)
        return arena.appendSpan(string)
    }

    /// Sets the value of sample `index`.
    public mutating func setValue(_ index: Int, _ value: Double) {
        BatchIdentity.willMutate(&identity)
        records[index].value = value
    }

    /// The labels of sample `index`.
    public func labels(of index: Int) -> ArraySlice<LabelRecord> {
        let start = Int(records[index].labelStart)
        return labels[start..<(start + Int(records[index].labelCount))]
    }

    /// Calls `body` with the bytes of `span`.
    public func withBytes<R>(_ span: ByteSpan, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try arena.withSpan(span, body)
    }

    /// The bytes of `span` as a string (off the hot path only).
    public func string(_ span: ByteSpan) -> String { arena.spanString(span) }

    /// The name of sample `index` as a string (off the hot path only).
    public func name(_ index: Int) -> String { arena.spanString(records[index].name) }

    /// The labels of sample `index` as strings, in stored order (off the hot path only).
    public func labelPairs(_ index: Int) -> [(String, String)] {
        labels(of: index).map { (arena.spanString($0.name), arena.spanString($0.value)) }
    }

    /// Keeps only the samples for which `isIncluded` returns true, in order.
    public mutating func retain(_ isIncluded: (Int) -> Bool) {
        BatchIdentity.willMutate(&identity)
        var write = 0
        for read in records.indices where isIncluded(read) {
            records[write] = records[read]
            write += 1
        }
        records.removeLast(records.count - write)
    }

    /// Removes every sample but keeps the storage for reuse.
    public mutating func removeAll() {
        BatchIdentity.willMutate(&identity)
        records.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        arena.clear()
    }
}
