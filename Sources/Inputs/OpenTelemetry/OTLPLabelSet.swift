import Codecs
import NIOCore
import Pipeline

/// Builds the labels of one OTLP data point (or of a `target_info` sample): attributes under
/// their Prometheus names plus the labels the decoder adds (`job`, `instance`,
/// `otel_scope_name`, …), sorted by name as Prometheus keeps them, and stored in the batch in
/// one write.
///
/// Attribute keys that sanitise to the same name (`a.b` and `a_b`) become one label whose
/// value joins theirs with `;`, in the order of the original keys (the compatibility spec's
/// rule). An added label wins over attributes of its name, and so does a name the sample sets
/// itself (`le`, `quantile`). Labels with an empty name or value are left out: Prometheus
/// treats them as absent. The scratch storage is reused, so nothing is allocated per point
/// once it has grown.
struct OTLPLabelSet: Sendable {
    /// One pending label: name and value bytes in `text`, or an added label already stored.
    private struct Entry: Sendable {
        var name: Range<Int>
        /// The attribute key's range in the request (the order of values sharing a name).
        var key: Range<Int>
        var value: Range<Int>
        var added: LabelRecord?
        var addedHash: UInt64
    }

    private var entries: [Entry] = []
    /// Sanitised names and value text of the pending labels.
    private var text: [UInt8] = []
    /// Names and values of the labels `store` writes, in one piece.
    private var output: [UInt8] = []
    /// Where in `labels` each label written from `output` is, and its name and value there.
    private var written: [(label: Int, name: Range<Int>, value: Range<Int>)] = []
    private var scratch = ByteBuffer()
    /// The stored labels, sorted by name.
    private(set) var labels: [LabelRecord] = []
    /// What the added labels among `labels` add to a series hash.
    private var addedLabelsHash: UInt64 = 0

    /// True when no label was added since `removeAll`.
    var isEmpty: Bool { entries.isEmpty }

    /// Starts a new label set.
    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
    }

    /// Adds the attributes in `attributes` but those whose key `skip` is true for; values are
    /// text (`OTLPAnyValue.writeText`: strings as they are, other kinds as JSON).
    mutating func add(_ attributes: OTLPKeyValues,
                      skip: (UnsafeRawBufferPointer) -> Bool = { _ in false }) throws(ProtobufReader.Malformed) {
        try attributes.forEachEntry { key, value throws(ProtobufReader.Malformed) in
            guard !skip(key) else { return }
            let nameStart = text.count
            OTLPMetricNaming.appendLabelName(key, to: &text)
            let valueStart = text.count
            scratch.clear()
            try value.writeText(into: &scratch)
            scratch.withUnsafeReadableBytes { text.append(contentsOf: $0) }
            let keyStart = key.count == 0 ? 0 : key.baseAddress! - attributes.buffer.baseAddress!
            entries.append(Entry(name: nameStart..<valueStart, key: keyStart..<(keyStart + key.count),
                                 value: valueStart..<text.count, added: nil, addedHash: 0))
        }
    }

    /// Adds a label already stored in the batch, named `name`; `hash` is its
    /// `ByteHash.seriesLabel`.
    mutating func add(_ name: StaticString, _ label: LabelRecord, hash: UInt64) {
        let nameStart = text.count
        text.append(contentsOf: UnsafeRawBufferPointer(name))
        entries.append(Entry(name: nameStart..<text.count, key: 0..<0, value: 0..<0, added: label, addedHash: hash))
    }

    /// Sorts the labels and stores them in `batch` (`labels`), leaving out any named
    /// `reserved`; returns the index in `labels` where a label of that name goes.
    @discardableResult
    mutating func store(in batch: inout MetricBatch, request: UnsafeRawBufferPointer,
                        reserving reserved: StaticString = "") -> Int {
        let reservedName = UnsafeRawBufferPointer(reserved)
        output.removeAll(keepingCapacity: true)
        written.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        addedLabelsHash = 0
        var reservedAt = 0
        text.withUnsafeBytes { text in
            sortEntries(text, request)
            var i = 0
            while i < entries.count {
                let first = entries[i]
                let name = UnsafeRawBufferPointer(rebasing: text[first.name])
                var end = i + 1
                while end < entries.count, ByteOrder.equal(UnsafeRawBufferPointer(rebasing: text[entries[end].name]), name) { end += 1 }
                defer { i = end }
                guard !name.isEmpty, !ByteOrder.equal(name, reservedName) else { continue }
                if let added = first.added {
                    labels.append(added)
                    addedLabelsHash &+= first.addedHash
                } else {
                    let nameStart = output.count
                    output.append(contentsOf: name)
                    let valueStart = output.count
                    for entry in entries[i..<end] where !entry.value.isEmpty {
                        if output.count > valueStart { output.append(UInt8(ascii: ";")) }
                        output.append(contentsOf: text[entry.value])
                    }
                    guard output.count > valueStart else {
                        output.removeLast(output.count - nameStart)
                        continue
                    }
                    written.append((labels.count, nameStart..<valueStart, valueStart..<output.count))
                    labels.append(LabelRecord(name: .empty, value: .empty))
                }
                if ByteOrder.compare(name, reservedName) < 0 { reservedAt = labels.count }
            }
        }
        let base = Int(output.withUnsafeBytes { batch.store($0) }.offset)
        for w in written {
            labels[w.label] = LabelRecord(name: ByteSpan(offset: base + w.name.lowerBound, length: w.name.count),
                                          value: ByteSpan(offset: base + w.value.lowerBound, length: w.value.count))
        }
        return reservedAt
    }

    /// What the stored labels add to a series hash (`ByteHash.seriesLabel`, summed).
    func seriesHash() -> UInt64 {
        output.withUnsafeBytes { out in
            written.reduce(addedLabelsHash) { hash, w in
                hash &+ ByteHash.seriesLabel(name: UnsafeRawBufferPointer(rebasing: out[w.name]),
                                             value: UnsafeRawBufferPointer(rebasing: out[w.value]))
            }
        }
    }

    /// Insertion sort (a point has few labels) by name, an added label before attributes of
    /// its name, then by attribute key.
    private mutating func sortEntries(_ text: UnsafeRawBufferPointer, _ request: UnsafeRawBufferPointer) {
        func precedes(_ a: Entry, _ b: Entry) -> Bool {
            let order = ByteOrder.compare(UnsafeRawBufferPointer(rebasing: text[a.name]), UnsafeRawBufferPointer(rebasing: text[b.name]))
            if order != 0 { return order < 0 }
            if (a.added != nil) != (b.added != nil) { return a.added != nil }
            return ByteOrder.compare(UnsafeRawBufferPointer(rebasing: request[a.key]), UnsafeRawBufferPointer(rebasing: request[b.key])) < 0
        }
        for i in entries.indices.dropFirst() {
            let entry = entries[i]
            var at = i
            while at > 0, precedes(entry, entries[at - 1]) {
                entries[at] = entries[at - 1]
                at -= 1
            }
            entries[at] = entry
        }
    }
}
