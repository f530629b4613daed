import Codecs
import Pipeline

/// The label names of one scrape's batch: each stored in the batch once (not once per sample)
/// and ranked in byte order, so the writer sorts a sample's labels by comparing ranks.
///
/// A page repeats the same few names on every line, mostly in the same positions: a lookup
/// tries the index the position had on the previous line first.
struct PrometheusScrapeLabelNames {
    struct Name {
        /// The name's bytes in the batch.
        var span: ByteSpan
        /// Its place among all the names, in byte order.
        var rank = 0
        /// The target label of this name; nil when none.
        var target: Int?
        /// The index of `exported_<name>`, once needed.
        var exported: Int?
        fileprivate var start: Int
        fileprivate var count: Int
        /// The first 16 bytes, zero-padded: most names are shorter, and compare in two words.
        fileprivate var head: (UInt64, UInt64)
    }

    private(set) var names: [Name] = []
    private var bytes: [UInt8] = []
    /// The index each label position had on the last line.
    private var hints: [Int] = []

    /// The index of the name of label `position`, stored in `batch` when new.
    mutating func index(of name: UnsafeRawBufferPointer, position: Int, in batch: inout MetricBatch) -> Int {
        if position < hints.count, matches(hints[position], name) { return hints[position] }
        let found = names.indices.first { matches($0, name) } ?? add(name, to: &batch)
        while hints.count <= position { hints.append(0) }
        hints[position] = found
        return found
    }

    /// Adds a target label's name (before any sample).
    mutating func addTarget(_ name: UnsafeRawBufferPointer, span: ByteSpan, target: Int) -> Int {
        append(name, span: span)
        names[names.count - 1].target = target
        return names.count - 1
    }

    /// The index of `exported_<name of index>`, stored in `batch` when new.
    mutating func exported(_ index: Int, in batch: inout MetricBatch) -> Int {
        if let known = names[index].exported { return known }
        var renamed = Array("exported_".utf8)
        renamed.append(contentsOf: bytes[names[index].start..<(names[index].start + names[index].count)])
        let found = renamed.withUnsafeBytes { name in names.indices.first { matches($0, name) } ?? add(name, to: &batch) }
        names[index].exported = found
        return found
    }

    @inline(__always)
    private func matches(_ index: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        let entry = names[index]
        guard entry.count == name.count, entry.head == Self.head(name) else { return false }
        return entry.count <= 16 || bytes.withUnsafeBytes {
            ByteOrder.equal(UnsafeRawBufferPointer(rebasing: $0[entry.start..<(entry.start + entry.count)]), name)
        }
    }

    /// The first 16 bytes of `name` as two little-endian words, zero-padded.
    @inline(__always)
    private static func head(_ name: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        if name.count >= 16 {
            return (name.loadUnaligned(fromByteOffset: 0, as: UInt64.self), name.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: name) }
        return words
    }

    private mutating func add(_ name: UnsafeRawBufferPointer, to batch: inout MetricBatch) -> Int {
        append(name, span: batch.store(name))
        return names.count - 1
    }

    /// Appends a name and ranks all of them again (the table lives for one scrape, so each of a
    /// page's distinct label names is added once per scrape: a few dozen small sorts).
    private mutating func append(_ name: UnsafeRawBufferPointer, span: ByteSpan) {
        names.append(Name(span: span, start: bytes.count, count: name.count, head: Self.head(name)))
        bytes.append(contentsOf: name)
        let order = bytes.withUnsafeBytes { raw in
            names.indices.sorted { a, b in
                ByteOrder.compare(UnsafeRawBufferPointer(rebasing: raw[names[a].start..<(names[a].start + names[a].count)]),
                                  UnsafeRawBufferPointer(rebasing: raw[names[b].start..<(names[b].start + names[b].count)])) < 0
            }
        }
        for (rank, index) in order.enumerated() { names[index].rank = rank }
    }
}
