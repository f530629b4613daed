import Codecs
import NIOCore
import Pipeline

/// Gives the series a target stops exposing Prometheus' stale marker: a NaN with the bit
/// pattern `0x7ff0000000000002`, which remote-write receivers read as "this series ended".
///
/// What it keeps of the last scrape is the hash of each series it marks when gone
/// (`PrometheusSample.seriesHash`; as Prometheus, the samples `metric_relabel` kept and that
/// carried no timestamp of their own) and the page itself, as received. When a scrape's
/// hashes equal the last's (the usual case) nothing else is done. When some are gone, the old
/// page is parsed again through the same writer, and the samples of the vanished series are
/// appended with the marker: so the labels of 2,000 series per target are not copied on every
/// scrape (which took a fifth of W3's CPU), and the page is held as received (its bytes,
/// about half the size of the parsed series).
struct PrometheusScrapeStaleness {
    /// The stale marker value.
    static let staleNaN = Double(bitPattern: 0x7ff0_0000_0000_0002)

    /// A successful scrape's page and the hashes of its tracked series, in page order.
    struct Page {
        var hashes: [UInt64] = []
        var body: [ByteBuffer] = []
        var format = PrometheusTextFormat.prometheus004
    }

    private var previous = Page()
    private var sortedPrevious: [UInt64] = []
    private var sortedCurrent: [UInt64] = []
    private var gone: [UInt64] = []
    /// Samples of the last page that repeated a series of it.
    private var duplicates = 0

    /// Appends stale markers for the series of the last page missing from `page`, then keeps
    /// `page`; returns how many of its tracked samples repeat a series earlier in the page
    /// (Prometheus counts them as duplicates). A page equal to the last has the last's count.
    mutating func update(_ writer: inout PrometheusScrapeWriter, page: consuming Page) -> Int {
        if page.hashes != previous.hashes {
            sortedPrevious.removeAll(keepingCapacity: true)
            sortedPrevious.append(contentsOf: previous.hashes)
            sortedPrevious.sort()
            sortedCurrent.removeAll(keepingCapacity: true)
            sortedCurrent.append(contentsOf: page.hashes)
            sortedCurrent.sort()
            duplicates = zip(sortedCurrent, sortedCurrent.dropFirst()).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
            gone.removeAll(keepingCapacity: true)
            var c = 0
            for hash in sortedPrevious where gone.last != hash {
                while c < sortedCurrent.count, sortedCurrent[c] < hash { c += 1 }
                if c == sortedCurrent.count || sortedCurrent[c] != hash { gone.append(hash) }
            }
            if !gone.isEmpty { markGone(&writer) }
        }
        previous = page
        return duplicates
    }

    /// Appends stale markers for every series of the last page (the target failed) and forgets them.
    mutating func markAllStale(_ writer: inout PrometheusScrapeWriter) {
        gone.removeAll(keepingCapacity: true)
        gone.append(contentsOf: previous.hashes)
        gone.sort()
        markGone(&writer)
        previous = Page()
        duplicates = 0
    }

    /// Parses the last page again and appends the marker for each series whose hash is in `gone`
    /// (sorted), once per series.
    private mutating func markGone(_ writer: inout PrometheusScrapeWriter) {
        var parser = PrometheusTextParser(format: previous.format)
        var marked = Set<UInt64>()
        func handle(_ event: PrometheusTextEvent) {
            guard case .sample(let sample) = event, sample.timestamp == nil else { return }
            let hash = sample.seriesHash
            guard binarySearch(gone, hash), marked.insert(hash).inserted else { return }
            writer.appendStale(sample)
        }
        for chunk in previous.body { chunk.withUnsafeReadableBytes { parser.feed($0, handle) } }
        parser.finish(handle)
    }

    private func binarySearch(_ sorted: [UInt64], _ value: UInt64) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value
    }
}
