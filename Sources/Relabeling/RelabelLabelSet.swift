import Codecs
import Pipeline

/// One series' labels while relabel rules run, with the semantics of Prometheus'
/// `labels.Builder`: setting an empty value deletes the label, and `builderOrder` lists the
/// original labels not yet touched (sorted by name), then those rules set, in the order they
/// were first set (which `labelmap` relies on when two names map to one).
///
/// The labels are kept sorted by name at all times, the metric name (`__name__`) apart, so the
/// result needs no sort: a rule that sets a new label inserts it in place. A row whose label
/// names are the very spans of the last row found in order (a scrape stores each name once per
/// batch) is not compared again.
///
/// Names and values are byte spans in one address space: offsets below `scratchStart` are
/// read from `base` (the batch arena, read-only while rules run), offsets from `scratchStart`
/// on from `scratch`, the bytes rules wrote. A caller that appends `scratch` to its arena at
/// `scratchStart` makes every span valid there without rebasing.
///
/// `base` is only valid between `reset` and the end of the caller's access to those bytes;
/// the set belongs to one stage's thread.
struct RelabelLabelSet: @unchecked Sendable {
    static let nameLabel = Array("__name__".utf8)

    /// The labels but `__name__`: sorted by name, names unique, values not empty.
    private(set) var labels: [LabelRecord] = []
    /// The value of `__name__`; nil when absent.
    private(set) var name: ByteSpan?
    /// Bytes written by rules, at offsets from `scratchStart`.
    private(set) var scratch: [UInt8] = []
    private(set) var scratchStart = 0
    private var base = UnsafeRawBufferPointer(start: nil, count: 0)
    private var baseStart = 0
    /// The span of the bytes `__name__` in the base (`MetricRelabeler.begin` stores them).
    private var nameLabelSpan = ByteSpan.empty
    /// Names rules set since they were last deleted, in the order first set (the Builder's add list).
    private var added: [ByteSpan] = []
    /// Labels whose name starts with `__`: the result leaves them out.
    private var reservedCount = 0
    /// The name spans of the last row found sorted, unique and free of `__name__`, and its
    /// number of `__` names; valid for one batch (`startBatch`).
    private var orderedNames: [ByteSpan] = []
    private var orderedReserved = 0

    /// Forgets what it learnt of the last batch's rows; `nameLabel` is `__name__` in the new one.
    mutating func startBatch(nameLabel: ByteSpan) {
        nameLabelSpan = nameLabel
        orderedNames.removeAll(keepingCapacity: true)
        orderedReserved = 0
    }

    /// Starts over on new base bytes: `base` holds offsets `baseStart..<scratchStart`.
    mutating func reset(base: UnsafeRawBufferPointer, baseStart: Int) {
        self.base = base
        self.baseStart = baseStart
        scratchStart = baseStart + base.count
        if !scratch.isEmpty { scratch.removeAll(keepingCapacity: true) }
        if !added.isEmpty { added.removeAll(keepingCapacity: true) }
    }

    /// Takes a row's metric name and labels. A label with an empty value is absent, as
    /// Prometheus reads it; of a name given twice (`__name__` included), the last value counts.
    mutating func addOriginals(name: ByteSpan, labels originals: ArraySlice<LabelRecord>) {
        self.name = name.length > 0 ? name : nil
        if !labels.isEmpty { labels.removeAll(keepingCapacity: true) }
        labels.append(contentsOf: originals)
        if isOrderedLikeLastRow() { return reservedCount = orderedReserved }
        normalize()
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
        if isBase(span) { return try body(baseBytes(span)) }
        let offset = Int(span.offset) - scratchStart
        return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + Int(span.length))])) }
    }

    /// The value of the label called `name`; nil when there is none.
    func value(of name: UnsafeRawBufferPointer) -> ByteSpan? {
        if Self.isNameLabel(name) { return self.name }
        return index(of: name).map { labels[$0].value }
    }

    /// Sets label `name` to `value` (an empty value deletes it), as `labels.Builder.Set`.
    mutating func set(_ name: UnsafeRawBufferPointer, _ value: ByteSpan) {
        guard value.length > 0 else { return delete(name) }
        if Self.isNameLabel(name) {
            self.name = value
            return noteAdded(nameLabelSpan)
        }
        if let i = index(of: name) {
            labels[i].value = value
            return noteAdded(labels[i].name)
        }
        let span = store(name)
        var at = labels.count
        while at > 0, withBytes(labels[at - 1].name, { ByteOrder.compare($0, name) > 0 }) { at -= 1 }
        labels.insert(LabelRecord(name: span, value: value), at: at)
        if Self.isReserved(name) { reservedCount += 1 }
        noteAdded(span)
    }

    /// Removes label `name` if present, as `labels.Builder.Del`.
    mutating func delete(_ name: UnsafeRawBufferPointer) {
        removeAdded(name)
        if Self.isNameLabel(name) { return self.name = nil }
        guard let i = index(of: name) else { return }
        if Self.isReserved(name) { reservedCount -= 1 }
        labels.remove(at: i)
    }

    /// Removes the labels whose whole name `regex` matches (`keep` false: labeldrop), or those
    /// it does not match (`keep` true: labelkeep); `nameMatches` says whether it matches `__name__`.
    mutating func removeLabels(matching regex: RelabelRegex, keep: Bool, nameMatches: Bool) {
        if name != nil, nameMatches != keep {
            name = nil
            Self.nameLabel.withUnsafeBytes { removeAdded($0) }
        }
        var write = 0
        for read in labels.indices {
            let label = labels[read]
            let matched = isBase(label.name) ? regex.isMatch(baseBytes(label.name)) : withBytes(label.name) { regex.isMatch($0) }
            if matched == keep {
                labels[write] = label
                write += 1
            } else {
                if withBytes(label.name, Self.isReserved) { reservedCount -= 1 }
                if !added.isEmpty, let i = added.firstIndex(where: { sameName($0, label.name) }) { added.remove(at: i) }
            }
        }
        if write < labels.count { labels.removeLast(labels.count - write) }
    }

    /// The labels (`__name__` included) in the order the Builder visits them: untouched ones
    /// sorted by name, then those rules set, in the order first set. Allocates nothing once
    /// `out` has grown.
    func builderOrder(into out: inout [LabelRecord]) {
        out.removeAll(keepingCapacity: true)
        var namePending = name != nil && Self.nameLabel.withUnsafeBytes { addedIndex($0) == nil }
        for label in labels {
            let (untouched, afterName) = withBytes(label.name) { bytes in
                (addedIndex(bytes) == nil, Self.nameLabel.withUnsafeBytes { ByteOrder.compare(bytes, $0) > 0 })
            }
            if namePending, afterName, let name {
                out.append(LabelRecord(name: nameLabelSpan, value: name))
                namePending = false
            }
            if untouched { out.append(label) }
        }
        if namePending, let name { out.append(LabelRecord(name: nameLabelSpan, value: name)) }
        for span in added {
            if let value = withBytes(span, { self.value(of: $0) }) { out.append(LabelRecord(name: span, value: value)) }
        }
    }

    /// Ends the rules: leaves out the labels starting with `__` (Prometheus drops them after
    /// relabeling) and returns the metric name, nil when it is absent; `labels` is then the result.
    mutating func finish() -> ByteSpan? {
        if reservedCount > 0 {
            var write = 0
            for read in labels.indices where !withBytes(labels[read].name, Self.isReserved) {
                labels[write] = labels[read]
                write += 1
            }
            labels.removeLast(labels.count - write)
            reservedCount = 0
        }
        return name
    }

    // MARK: Order

    /// True when the labels' names are the spans of the last row found in order (and no value is empty).
    @inline(__always)
    private func isOrderedLikeLastRow() -> Bool {
        guard labels.count == orderedNames.count else { return false }
        for i in labels.indices where labels[i].name != orderedNames[i] || labels[i].value.length == 0 { return false }
        return true
    }

    /// Drops empty values, sorts the labels by name (stable), keeps the last value of a name
    /// and moves a `__name__` label to `name`; remembers the row when it was in order already.
    /// (The originals are all in the base bytes.)
    private mutating func normalize() {
        var write = 0
        for read in labels.indices where labels[read].value.length > 0 {
            labels[write] = labels[read]
            write += 1
        }
        let hadEmpty = write < labels.count
        if hadEmpty { labels.removeLast(labels.count - write) }
        var inOrder = true
        for i in labels.indices.dropFirst() where ByteOrder.compare(baseBytes(labels[i - 1].name), baseBytes(labels[i].name)) >= 0 {
            inOrder = false
            break
        }
        if !inOrder {
            for i in labels.indices.dropFirst() {
                var j = i
                while j > 0, ByteOrder.compare(baseBytes(labels[j].name), baseBytes(labels[j - 1].name)) < 0 {
                    labels.swapAt(j, j - 1)
                    j -= 1
                }
            }
        }
        write = 0
        var hasName = false
        reservedCount = 0
        for read in labels.indices {
            let label = labels[read], bytes = baseBytes(label.name)
            if read + 1 < labels.count, ByteOrder.equal(baseBytes(labels[read + 1].name), bytes) { continue }
            if Self.isNameLabel(bytes) {
                name = label.value
                hasName = true
                continue
            }
            if Self.isReserved(bytes) { reservedCount += 1 }
            labels[write] = label
            write += 1
        }
        if write < labels.count { labels.removeLast(labels.count - write) }
        guard inOrder, !hadEmpty, !hasName else { return }
        orderedNames.removeAll(keepingCapacity: true)
        for label in labels { orderedNames.append(label.name) }
        orderedReserved = reservedCount
    }

    // MARK: Lookup

    /// The index of the label called `name`.
    @inline(__always)
    private func index(of name: UnsafeRawBufferPointer) -> Int? {
        for i in labels.indices where Int(labels[i].name.length) == name.count {
            let span = labels[i].name
            if isBase(span) ? ByteOrder.equal(baseBytes(span), name) : withBytes(span, { ByteOrder.equal($0, name) }) { return i }
        }
        return nil
    }

    private mutating func noteAdded(_ span: ByteSpan) {
        if added.isEmpty || withBytes(span, { addedIndex($0) == nil }) { added.append(span) }
    }

    private mutating func removeAdded(_ name: UnsafeRawBufferPointer) {
        if !added.isEmpty, let i = addedIndex(name) { added.remove(at: i) }
    }

    private func sameName(_ a: ByteSpan, _ b: ByteSpan) -> Bool {
        withBytes(a) { x in withBytes(b) { ByteOrder.equal(x, $0) } }
    }

    private func addedIndex(_ name: UnsafeRawBufferPointer) -> Int? {
        added.firstIndex { span in withBytes(span) { ByteOrder.equal($0, name) } }
    }

    /// True when `span` is in the base bytes (read without a closure by `baseBytes`).
    @inline(__always)
    private func isBase(_ span: ByteSpan) -> Bool { Int(span.offset) < scratchStart }

    /// The bytes of a span in the base bytes.
    @inline(__always)
    private func baseBytes(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.baseAddress.map { $0 + (Int(span.offset) - baseStart) }, count: Int(span.length))
    }

    /// `__name__` as one little-endian word.
    private static let nameWord = nameLabel.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }

    @inline(__always)
    static func isNameLabel(_ name: UnsafeRawBufferPointer) -> Bool {
        name.count == 8 && UInt64(littleEndian: name.loadUnaligned(as: UInt64.self)) == nameWord
    }

    /// True for a name starting `__`.
    @inline(__always)
    private static func isReserved(_ name: UnsafeRawBufferPointer) -> Bool {
        name.count >= 2 && name[0] == UInt8(ascii: "_") && name[1] == UInt8(ascii: "_")
    }
}
