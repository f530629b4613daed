import Codecs
import Pipeline

/// One series' labels while relabel rules run, with the semantics of Prometheus'
/// `labels.Builder`: setting an empty value deletes the label, and labels are visited first
/// the original ones not yet touched (sorted by name), then those rules set, in the order
/// they were first set (which `labelmap` relies on when two names map to one).
///
/// Names and values are byte spans in one address space: offsets below `scratchStart` are
/// read from `base` (the batch arena, read-only while rules run), offsets from `scratchStart`
/// on from `scratch`, the bytes rules wrote. A caller that appends `scratch` to its arena at
/// `scratchStart` makes every span valid there without rebasing. The metric name is the
/// label `__name__`.
///
/// `base` is only valid between `reset` and the end of the caller's access to those bytes;
/// the set belongs to one stage's thread.
struct RelabelLabelSet: @unchecked Sendable {
    static let nameLabel = Array("__name__".utf8)

    /// The labels, untouched originals first (`0..<baseCount`, sorted), then those set by rules.
    private(set) var labels: [LabelRecord] = []
    private var baseCount = 0
    /// Bytes written by rules, at offsets from `scratchStart`.
    private(set) var scratch: [UInt8] = []
    private(set) var scratchStart = 0
    private var base = UnsafeRawBufferPointer(start: nil, count: 0)
    private var baseStart = 0

    /// Starts over on new base bytes: `base` holds offsets `baseStart..<scratchStart`.
    mutating func reset(base: UnsafeRawBufferPointer, baseStart: Int) {
        self.base = base
        self.baseStart = baseStart
        scratchStart = baseStart + base.count
        scratch.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        baseCount = 0
    }

    /// Adds the original labels: `__name__` (the span `nameLabel`) set to `name`, and `labels`.
    /// Labels with an empty value are left out, as Prometheus reads them as absent.
    mutating func addOriginals(nameLabel: ByteSpan, name: ByteSpan, labels originals: ArraySlice<LabelRecord>) {
        labels.append(LabelRecord(name: nameLabel, value: name))
        labels.append(contentsOf: originals)
        if name.length == 0 || originals.contains(where: { $0.value.length == 0 }) {
            labels.removeAll { $0.value.length == 0 }
        }
        baseCount = labels.count
    }

    /// Sorts the original labels by name; of a name given twice, the last value is kept.
    mutating func sortOriginals() {
        // Usually sorted already (a scrape's labels are, and a relabel result is): one pass tells.
        var next = 1
        while next < labels.count, precedes(labels[next - 1].name, labels[next].name) { next += 1 }
        if next >= labels.count {
            baseCount = labels.count
            return
        }
        var sorted = labels
        labels = []
        sortByName(&sorted)
        var i = 1
        while i < sorted.count {
            if sameName(sorted[i - 1].name, sorted[i].name) { sorted.remove(at: i - 1) } else { i += 1 }
        }
        labels = sorted
        baseCount = labels.count
    }

    /// Copies `bytes` into `scratch`; returns their span.
    mutating func store(_ bytes: UnsafeRawBufferPointer) -> ByteSpan {
        let span = ByteSpan(offset: scratchStart + scratch.count, length: bytes.count)
        scratch.append(contentsOf: bytes)
        return span
    }

    /// Calls `body` with the bytes of `span`.
    @inline(__always)
    func withBytes<R>(_ span: ByteSpan, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let offset = Int(span.offset), length = Int(span.length)
        if offset >= scratchStart {
            return try scratch.withUnsafeBytes {
                try body(UnsafeRawBufferPointer(rebasing: $0[(offset - scratchStart)..<(offset - scratchStart + length)]))
            }
        }
        return try body(UnsafeRawBufferPointer(rebasing: base[(offset - baseStart)..<(offset - baseStart + length)]))
    }

    /// The value of the label called `name`; nil when there is none.
    func value(of name: UnsafeRawBufferPointer) -> ByteSpan? {
        index(of: name).map { labels[$0].value }
    }

    /// Sets label `name` to `value` (an empty value deletes it), as `labels.Builder.Set`.
    mutating func set(_ name: UnsafeRawBufferPointer, _ value: ByteSpan) {
        guard value.length > 0 else { return delete(name) }
        if let i = index(of: name) {
            if i < baseCount {
                var label = labels.remove(at: i)
                baseCount -= 1
                label.value = value
                labels.append(label)
            } else {
                labels[i].value = value
            }
        } else {
            labels.append(LabelRecord(name: store(name), value: value))
        }
    }

    /// Removes label `name` if present.
    mutating func delete(_ name: UnsafeRawBufferPointer) {
        guard let i = index(of: name) else { return }
        labels.remove(at: i)
        if i < baseCount { baseCount -= 1 }
    }

    /// Removes the labels whose whole name `regex` matches (`keep` false: labeldrop), or those
    /// it does not match (`keep` true: labelkeep).
    mutating func removeLabels(matching regex: RelabelRegex, keep: Bool) {
        var write = 0
        for read in labels.indices {
            let name = labels[read].name
            let matched = isBase(name) ? regex.isMatch(baseBytes(name)) : withBytes(name) { regex.isMatch($0) }
            if matched == keep {
                labels[write] = labels[read]
                write += 1
            } else if read < baseCount {
                baseCount -= 1
            }
        }
        labels.removeLast(labels.count - write)
    }

    /// The result: the metric name (nil when empty or absent) and, in `out`, the other labels
    /// sorted by name, without those starting `__` (Prometheus drops them after relabeling).
    func result(into out: inout [LabelRecord]) -> ByteSpan? {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: labels)
        var name: ByteSpan?
        var write = 0
        for read in out.indices {
            let label = out[read]
            switch isBase(label.name) ? Self.reserved(baseBytes(label.name)) : withBytes(label.name, Self.reserved) {
            case .name: name = label.value
            case .other: break
            case nil:
                out[write] = label
                write += 1
            }
        }
        out.removeLast(out.count - write)
        sortByName(&out)
        return name
    }

    private enum Reserved { case name, other }

    /// `.name` for `__name__`, `.other` for another name starting `__`, else nil.
    @inline(__always)
    private static func reserved(_ name: UnsafeRawBufferPointer) -> Reserved? {
        guard name.count >= 2, name[0] == UInt8(ascii: "_"), name[1] == UInt8(ascii: "_") else { return nil }
        return nameLabel.withUnsafeBytes { ByteOrder.equal(name, $0) } ? .name : .other
    }

    /// The index of the label called `name`.
    @inline(__always)
    private func index(of name: UnsafeRawBufferPointer) -> Int? {
        for i in labels.indices where Int(labels[i].name.length) == name.count {
            let span = labels[i].name
            if isBase(span) ? ByteOrder.equal(baseBytes(span), name) : withBytes(span, { ByteOrder.equal($0, name) }) { return i }
        }
        return nil
    }

    /// True when `span` is in the base bytes (read without a closure by `baseBytes`).
    @inline(__always)
    private func isBase(_ span: ByteSpan) -> Bool { Int(span.offset) < scratchStart }

    /// The bytes of a span in the base bytes.
    @inline(__always)
    private func baseBytes(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.baseAddress.map { $0 + (Int(span.offset) - baseStart) }, count: Int(span.length))
    }

    /// Sorts `list` by name, bytewise as Prometheus sorts; a series has a handful of labels,
    /// so an insertion sort, which allocates nothing.
    private func sortByName(_ list: inout [LabelRecord]) {
        for i in list.indices.dropFirst() {
            var j = i
            while j > 0, precedes(list[j].name, list[j - 1].name) {
                list.swapAt(j, j - 1)
                j -= 1
            }
        }
    }

    @inline(__always)
    private func sameName(_ a: ByteSpan, _ b: ByteSpan) -> Bool {
        if a == b { return true }
        guard a.length == b.length else { return false }
        if isBase(a), isBase(b) { return ByteOrder.equal(baseBytes(a), baseBytes(b)) }
        return withBytes(a) { x in withBytes(b) { y in ByteOrder.equal(x, y) } }
    }

    @inline(__always)
    private func precedes(_ a: ByteSpan, _ b: ByteSpan) -> Bool {
        if a == b { return false }
        if isBase(a), isBase(b) { return ByteOrder.compare(baseBytes(a), baseBytes(b)) < 0 }
        return withBytes(a) { x in withBytes(b) { y in ByteOrder.compare(x, y) < 0 } }
    }
}
