import Codecs

/// One pending sample of a request: where it is and what orders it.
struct RemoteWriteEntry: Sendable {
    /// The series hash (`RemoteWriteSeries.identity`).
    var hash: UInt64
    /// The sample's timestamp in milliseconds.
    var timestamp: Int64
    /// Index of the sample's batch in the request's batch list.
    var batch: UInt32
    /// Index of the sample in its batch.
    var index: UInt32

    /// Series together, each series by timestamp, ties in arrival order.
    static func seriesOrder(_ a: RemoteWriteEntry, _ b: RemoteWriteEntry) -> Bool {
        if a.hash != b.hash { return a.hash < b.hash }
        if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
        return a.arrival < b.arrival
    }

    /// The sample's place in the order the shard received it.
    var arrival: UInt64 { UInt64(batch) << 32 | UInt64(index) }
}

/// Arranges a request's samples: each series' samples together and in timestamp order, the
/// series in the order their first sample arrived.
///
/// Arrival order matters for speed: the encoder then reads the batches' rows, labels and
/// bytes front to back. Ordered by series hash instead, every row was a cache miss
/// (W3, 100,000 series: 9 % of the CPU went to loading labels in the encoder). In the common
/// case, every series once per request, the arrival order is the answer, which one pass over
/// the hashes finds out. Scratch arrays are kept from request to request.
struct RemoteWriteRequestOrder {
    /// A series' samples: `start..<end` in the series-ordered entries, and where it first arrived.
    private struct Run {
        var firstArrival: UInt64
        var start: Int
        var end: Int
    }

    private var hashes: [UInt64] = []
    private var sorted: [RemoteWriteEntry] = []
    private var runs: [Run] = []

    /// Rearranges `entries`, given in arrival order.
    mutating func arrange(_ entries: inout [RemoteWriteEntry]) {
        guard hasRepeatedSeries(entries) else { return }
        sorted.removeAll(keepingCapacity: true)
        sorted.append(contentsOf: entries)
        sorted.sort(by: RemoteWriteEntry.seriesOrder)
        runs.removeAll(keepingCapacity: true)
        var start = 0
        while start < sorted.count {
            var end = start + 1, first = sorted[start].arrival
            while end < sorted.count, sorted[end].hash == sorted[start].hash {
                first = min(first, sorted[end].arrival)
                end += 1
            }
            runs.append(Run(firstArrival: first, start: start, end: end))
            start = end
        }
        runs.sort { $0.firstArrival < $1.firstArrival }
        entries.removeAll(keepingCapacity: true)
        for run in runs { entries.append(contentsOf: sorted[run.start..<run.end]) }
    }

    /// True when two entries have the same series hash. One pass over an open-addressed
    /// table of twice as many slots (sorting the hashes took 2 % of W3's CPU); hashes equal
    /// but for their lowest bit also count, which only sends `arrange` the long way.
    private mutating func hasRepeatedSeries(_ entries: [RemoteWriteEntry]) -> Bool {
        let size = max(16, (2 * entries.count).nextPowerOfTwo)
        hashes.removeAll(keepingCapacity: true)
        hashes.append(contentsOf: repeatElement(0, count: size))
        return hashes.withUnsafeMutableBufferPointer { table in
            let mask = size - 1
            for entry in entries {
                let key = entry.hash | 1  // 0 marks an empty slot
                var slot = Int(truncatingIfNeeded: ByteHash.mix(key)) & mask
                while table[slot] != 0 {
                    if table[slot] == key { return true }
                    slot = (slot + 1) & mask
                }
                table[slot] = key
            }
            return false
        }
    }
}

private extension Int {
    /// The smallest power of two not below this (positive) number.
    var nextPowerOfTwo: Int { 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
