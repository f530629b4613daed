/// The four l2met metric types.
enum L2metKind: UInt8, Sendable {
    case measure, count, sample, unique
}

/// What pipectl keeps about one series across windows.
struct L2metSeries: Sendable {
    var kind: L2metKind
    /// Bytes of the series key before the label part (`[kind] name 0x00`).
    var labelStart: Int
    /// Cumulative count of measures and counts (`_count`, and the `_total` of `count#`).
    var count: UInt64 = 0
    /// Cumulative sum (`_sum` of measures, the `_total` value of `count#`).
    var sum: Double = 0
    /// Cumulative per-bucket counts of a histogram measure (not yet summed into `le` order).
    var buckets: [UInt64] = []
    /// Start of the latest window the series had a value in (for `series_ttl`).
    var lastWindow: Int64
    /// The window and cell the series last wrote to (skips the window's dictionary).
    var cachedWindow: Int64 = .min
    var cachedCell: Int32 = -1
    /// False once expired (the id waits on the index's free list).
    var live = true
}

/// One series' values in one window.
struct L2metCell: Sendable {
    var series: Int32
    var count: UInt64 = 0
    var sum: Double = 0
    var min: Double = .infinity
    var max: Double = -.infinity
    /// `sample#`: the last value, by event order.
    var last: Double = 0
    /// Values offered to `values` (more than it holds once the reservoir is full).
    var offered: UInt64 = 0
    /// Measure values for quantiles: every value up to `max_samples`, then a uniform sample.
    var values: [Double]
    /// `unique#`: hashes of the distinct values.
    var uniques: Set<UInt64>
    /// Histogram measures: where this cell's per-bucket counts start in the window's pool.
    var bucketOffset: Int32 = -1
}

/// One aggregation window (l2met's "bucket"): cells by series, per-bucket counts in one pool.
struct L2metWindow: Sendable {
    /// Start, Unix ns, a multiple of the interval.
    var start: Int64
    var cells: [L2metCell] = []
    var cellOf: [Int32: Int32] = [:]
    var bucketCounts: [UInt64] = []

    init(start: Int64) { self.start = start }

    /// Empties the window for reuse as the one starting at `start`, keeping its storage.
    mutating func reset(start: Int64) {
        self.start = start
        cells.removeAll(keepingCapacity: true)
        cellOf.removeAll(keepingCapacity: true)
        bucketCounts.removeAll(keepingCapacity: true)
    }
}

/// Value and distinct-set storage handed back by flushed cells, so steady state allocates nothing.
struct L2metSpares: Sendable {
    private var values: [[Double]] = []
    private var uniques: [Set<UInt64>] = []
    private static let limit = 10_000

    mutating func takeValues() -> [Double] { values.popLast() ?? [] }
    mutating func takeUniques() -> Set<UInt64> { uniques.popLast() ?? [] }

    /// Keeps the storage of `cell`'s collections when it has any.
    mutating func recycle(_ cell: inout L2metCell) {
        if cell.values.capacity > 0, values.count < Self.limit {
            cell.values.removeAll(keepingCapacity: true)
            values.append(cell.values)
        }
        if cell.uniques.capacity > 0, uniques.count < Self.limit {
            cell.uniques.removeAll(keepingCapacity: true)
            uniques.append(cell.uniques)
        }
        cell.values = []
        cell.uniques = []
    }
}
