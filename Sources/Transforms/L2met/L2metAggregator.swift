/// The l2met windows state machine: series by key, values by window, flushes by time.
///
/// Each value goes into the window of its event's timestamp (truncated to the interval).
/// `flush(before:)` closes every window that starts before a limit and raises the
/// watermark to it. A late value — its window already flushed — goes into the first open
/// window (the one starting at the watermark): its count and sum still reach the cumulative
/// totals, and its per-window statistics (quantiles, min, max, last, distinct) land in that
/// window rather than being lost or re-emitting a closed one.
///
/// Bounded: at most `maxSeries` series (a new one over the limit is refused), at most
/// `maxSamples` values per measure window (then a uniform reservoir sample; count, sum, min
/// and max stay exact) and distinct values per unique window; series without a value for
/// `ttl` are forgotten, so their cumulative totals restart if they come back.
struct L2metAggregator: Sendable {
    let interval: Int64
    let maxSeries: Int
    let maxSamples: Int
    let ttl: Int64
    /// Upper bounds of histogram buckets (empty: measures are summaries).
    let bounds: [Double]

    private(set) var index = MetricSeriesIndex()
    private(set) var series: [L2metSeries] = []
    private var windows: [L2metWindow] = []
    private var spareWindows: [L2metWindow] = []
    private var spares = L2metSpares()
    /// Windows starting before this were flushed.
    private(set) var watermark: Int64 = .min
    private var random: UInt64 = 0x2545_F491_4F6C_DD1D

    init(interval: Int64, maxSeries: Int, maxSamples: Int, ttl: Int64, bounds: [Double]) {
        self.interval = interval
        self.maxSeries = maxSeries
        self.maxSamples = maxSamples
        self.ttl = max(ttl, interval)
        self.bounds = bounds
    }

    /// The start of the window holding `timestamp`.
    func windowStart(_ timestamp: Int64) -> Int64 {
        let (q, r) = timestamp.quotientAndRemainder(dividingBy: interval)
        return (r < 0 ? q - 1 : q) * interval
    }

    /// Records `value` for the series `key` (`[kind] name 0x00 labels`, hashed as `hash`).
    /// Returns false when the series is new and `max_series` is reached.
    mutating func observe(key: UnsafeRawBufferPointer, hash: UInt64, labelStart: Int, value: Double,
                          uniqueHash: UInt64, timestamp: Int64) -> Bool {
        let id: Int32
        if let found = index.find(key, hash: hash) {
            id = found
        } else {
            guard index.count < maxSeries else { return false }
            id = index.insert(key, hash: hash)
            let fresh = L2metSeries(kind: L2metKind(rawValue: key[0])!, labelStart: labelStart,
                                    buckets: bounds.isEmpty || key[0] != L2metKind.measure.rawValue
                                        ? [] : Array(repeating: 0, count: bounds.count + 1),
                                    lastWindow: .min)
            if Int(id) == series.count { series.append(fresh) } else { series[Int(id)] = fresh }
        }
        let start = max(windowStart(timestamp), watermark)
        let (w, c) = cell(for: id, start: start)
        update(window: w, cell: c, kind: series[Int(id)].kind, value: value, uniqueHash: uniqueHash)
        return true
    }

    /// The window index and cell index of series `id` in the window starting at `start`.
    private mutating func cell(for id: Int32, start: Int64) -> (Int, Int) {
        let w = window(start)
        if series[Int(id)].cachedWindow == start { return (w, Int(series[Int(id)].cachedCell)) }
        let c: Int
        if let existing = windows[w].cellOf[id] {
            c = Int(existing)
        } else {
            c = windows[w].cells.count
            var cell = L2metCell(series: id, values: [], uniques: [])
            switch series[Int(id)].kind {
            case .measure where !bounds.isEmpty:
                cell.bucketOffset = Int32(windows[w].bucketCounts.count)
                windows[w].bucketCounts.append(contentsOf: repeatElement(0, count: bounds.count + 1))
            case .measure: cell.values = spares.takeValues()
            case .unique: cell.uniques = spares.takeUniques()
            case .count, .sample: break
            }
            windows[w].cells.append(cell)
            windows[w].cellOf[id] = Int32(c)
        }
        series[Int(id)].cachedWindow = start
        series[Int(id)].cachedCell = Int32(c)
        series[Int(id)].lastWindow = max(series[Int(id)].lastWindow, start)
        return (w, c)
    }

    /// The index of the window starting at `start`, created (in start order) when missing.
    private mutating func window(_ start: Int64) -> Int {
        var i = windows.count
        while i > 0, windows[i - 1].start >= start {
            if windows[i - 1].start == start { return i - 1 }
            i -= 1
        }
        var fresh = spareWindows.popLast() ?? L2metWindow(start: start)
        fresh.reset(start: start)
        windows.insert(fresh, at: i)
        return i
    }

    private mutating func update(window w: Int, cell c: Int, kind: L2metKind, value: Double, uniqueHash: UInt64) {
        switch kind {
        case .measure:
            windows[w].cells[c].count += 1
            windows[w].cells[c].sum += value
            windows[w].cells[c].min = min(windows[w].cells[c].min, value)
            windows[w].cells[c].max = max(windows[w].cells[c].max, value)
            if bounds.isEmpty {
                offer(value, window: w, cell: c)
            } else {
                var b = 0
                while b < bounds.count, value > bounds[b] { b += 1 }
                windows[w].bucketCounts[Int(windows[w].cells[c].bucketOffset) + b] += 1
            }
        case .count:
            windows[w].cells[c].count += 1
            windows[w].cells[c].sum += value
        case .sample:
            windows[w].cells[c].count += 1
            windows[w].cells[c].last = value
        case .unique:
            windows[w].cells[c].count += 1
            if windows[w].cells[c].uniques.count < maxSamples { windows[w].cells[c].uniques.insert(uniqueHash) }
        }
    }

    /// Algorithm R: keeps every value until `maxSamples`, then each with probability k/n.
    private mutating func offer(_ value: Double, window w: Int, cell c: Int) {
        windows[w].cells[c].offered += 1
        if windows[w].cells[c].values.count < maxSamples {
            windows[w].cells[c].values.append(value)
            return
        }
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        let slot = random % windows[w].cells[c].offered
        if slot < UInt64(maxSamples) { windows[w].cells[c].values[Int(slot)] = value }
    }

    /// Moves the values of every window starting after `start` into the window starting at
    /// `start` (shutdown: values stamped ahead of the clock join the partial window, so each
    /// series is emitted once at the flush time instead of twice with the same timestamp).
    /// Quantiles then draw on the values each window kept, not a fresh reservoir sample.
    mutating func fold(after start: Int64) {
        guard let last = windows.last, last.start > start else { return }
        let target = window(start)
        while windows.count > target + 1 {
            var source = windows.remove(at: target + 1)
            for s in source.cells.indices {
                merge(source.cells[s], buckets: source.bucketCounts, into: target)
                spares.recycle(&source.cells[s])
            }
            spareWindows.append(source)
        }
    }

    /// Adds a later window's `cell` (its per-bucket counts in `pool`) to its series' cell in window `w`.
    private mutating func merge(_ cell: L2metCell, buckets pool: [UInt64], into w: Int) {
        let (_, c) = self.cell(for: cell.series, start: windows[w].start)
        windows[w].cells[c].count += cell.count
        windows[w].cells[c].sum += cell.sum
        windows[w].cells[c].min = min(windows[w].cells[c].min, cell.min)
        windows[w].cells[c].max = max(windows[w].cells[c].max, cell.max)
        if cell.count > 0 { windows[w].cells[c].last = cell.last }
        for value in cell.values { offer(value, window: w, cell: c) }
        for hash in cell.uniques where windows[w].cells[c].uniques.count < maxSamples {
            windows[w].cells[c].uniques.insert(hash)
        }
        if cell.bucketOffset >= 0 {
            let from = Int(cell.bucketOffset)
            let to = Int(windows[w].cells[c].bucketOffset)
            for b in 0...bounds.count { windows[w].bucketCounts[to + b] += pool[from + b] }
        }
    }

    /// Closes every window starting before `limit`, oldest first, handing each cell to
    /// `emit` after adding it to its series' cumulative totals; then forgets idle series.
    mutating func flush(before limit: Int64,
                        _ emit: (_ series: L2metSeries, _ key: [UInt8], _ cell: inout L2metCell, _ end: Int64) -> Void) {
        while let first = windows.first, first.start < limit {
            var window = windows.removeFirst()
            let end = window.start + interval
            for c in window.cells.indices {
                let id = Int(window.cells[c].series)
                if window.cells[c].bucketOffset >= 0 {
                    let offset = Int(window.cells[c].bucketOffset)
                    for b in 0...bounds.count { series[id].buckets[b] += window.bucketCounts[offset + b] }
                }
                switch series[id].kind {
                case .measure, .count:
                    series[id].count += window.cells[c].count
                    series[id].sum += window.cells[c].sum
                case .sample, .unique: break
                }
                emit(series[id], index.key(Int32(id)), &window.cells[c], end)
                spares.recycle(&window.cells[c])
            }
            spareWindows.append(window)
        }
        if limit > watermark {
            watermark = limit
            expire()
        }
    }

    /// Forgets series whose latest window is `ttl` or more before the watermark.
    private mutating func expire() {
        guard watermark != .max else { return }
        for id in series.indices where series[id].live && series[id].lastWindow <= watermark - ttl {
            index.remove(Int32(id))
            series[id].live = false
            series[id].buckets = []
        }
    }
}
