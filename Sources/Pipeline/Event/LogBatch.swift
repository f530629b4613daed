import NIOCore

/// One log event's row in a `LogBatch`.
public struct LogRecord: Sendable {
    /// Unix time in nanoseconds.
    public var timestamp: Int64
    /// The message bytes in the arena.
    public var message: ByteSpan
    /// Index of the first field in `LogBatch.fields`, or -1.
    var firstField: Int32
    /// Index of the last field (fields form a linked list so transforms can append).
    var lastField: Int32
}

/// One field of one event; fields of an event are linked through `next`.
public struct FieldRecord: Sendable {
    public var key: FieldKey
    public var value: FieldValue
    var next: Int32
}

/// A batch of log events stored column-wise: rows, fields and one byte arena.
///
/// Appending an event copies its bytes into the arena; no per-event object is allocated.
/// The batch is a value type: fan-out shares it, and a stage that mutates it gets its own
/// copy only if another stage still holds it (copy-on-write).
public struct LogBatch: Sendable {
    /// Every string of the batch: messages, field keys and byte values.
    public internal(set) var arena: ByteBuffer
    /// Shared by every holder of this batch's storage (see `BatchCopies`).
    private var identity = BatchIdentity()
    /// The inputs waiting on these events (see `Acknowledgements`).
    public var acknowledgements = Acknowledgements()
    /// One row per event, in order.
    public private(set) var records: [LogRecord]
    /// Every field of every event.
    public private(set) var fields: [FieldRecord]

    /// An empty batch with room for `capacity` events of about `bytesPerEvent` bytes.
    public init(capacity: Int = 512, bytesPerEvent: Int = 256) {
        arena = ByteBufferAllocator().buffer(capacity: capacity * bytesPerEvent)
        records = []
        records.reserveCapacity(capacity)
        fields = []
        fields.reserveCapacity(capacity * 4)
    }

    /// Number of events.
    public var count: Int { records.count }
    /// True when the batch holds no events.
    public var isEmpty: Bool { records.isEmpty }
    /// Bytes held in the arena (what the batch costs in memory, roughly).
    public var byteCount: Int { arena.readableBytes }

    /// Appends an event whose message is `message`; returns its index.
    @discardableResult
    public mutating func append(timestamp: Int64, message: UnsafeRawBufferPointer) -> Int {
        BatchIdentity.willMutate(&identity)
        let span = arena.appendSpan(message)
        records.append(LogRecord(timestamp: timestamp, message: span, firstField: -1, lastField: -1))
        return records.count - 1
    }

    /// Appends an event whose message is a string; returns its index.
    @discardableResult
    public mutating func append(timestamp: Int64, message: String) -> Int {
        BatchIdentity.willMutate(&identity)
        let span = arena.appendSpan(message)
        records.append(LogRecord(timestamp: timestamp, message: span, firstField: -1, lastField: -1))
        return records.count - 1
    }

    /// Appends an event whose message already sits in the arena.
    @discardableResult
    public mutating func append(timestamp: Int64, messageSpan: ByteSpan) -> Int {
        BatchIdentity.willMutate(&identity)
        records.append(LogRecord(timestamp: timestamp, message: messageSpan, firstField: -1, lastField: -1))
        return records.count - 1
    }

    /// Copies bytes into the arena, for field values.
    public mutating func store(_ bytes: UnsafeRawBufferPointer) -> ByteSpan {
        BatchIdentity.willMutate(&identity)
        return arena.appendSpan(bytes)
    }

    /// Copies a string into the arena, for field values.
    public mutating func store(_ string: String) -> ByteSpan {
        BatchIdentity.willMutate(&identity)
        return arena.appendSpan(string)
    }

    /// Sets the timestamp of event `index`.
    public mutating func setTimestamp(_ index: Int, _ timestamp: Int64) {
        BatchIdentity.willMutate(&identity)
        records[index].timestamp = timestamp
    }

    /// Replaces the message of event `index`.
    public mutating func setMessage(_ index: Int, _ span: ByteSpan) {
        BatchIdentity.willMutate(&identity)
        records[index].message = span
    }

    /// Adds a field to event `index` without checking for an existing one of the same key.
    public mutating func appendField(_ index: Int, _ key: FieldKey, _ value: FieldValue) {
        BatchIdentity.willMutate(&identity)
        let fieldIndex = Int32(fields.count)
        fields.append(FieldRecord(key: key, value: value, next: -1))
        let last = records[index].lastField
        if last < 0 {
            records[index].firstField = fieldIndex
        } else {
            fields[Int(last)].next = fieldIndex
        }
        records[index].lastField = fieldIndex
    }

    /// Sets a field of event `index`, replacing the value of an existing field with the same key.
    public mutating func setField(_ index: Int, _ key: FieldKey, _ value: FieldValue) {
        BatchIdentity.willMutate(&identity)
        if let existing = fieldIndex(index, key) {
            fields[existing].value = value
        } else {
            appendField(index, key, value)
        }
    }

    /// Sets a known field to a copy of `bytes`.
    public mutating func setField(_ index: Int, _ key: KnownField, bytes: UnsafeRawBufferPointer) {
        BatchIdentity.willMutate(&identity)
        let span = arena.appendSpan(bytes)
        setField(index, .known(key), .bytes(span))
    }

    /// Sets a field named by raw key bytes (a known name maps to its `KnownField`).
    public mutating func setField(_ index: Int, keyBytes: UnsafeRawBufferPointer, _ value: FieldValue) {
        BatchIdentity.willMutate(&identity)
        if let known = KnownField(bytes: keyBytes) {
            setField(index, .known(known), value)
        } else if let existing = customFieldIndex(index, keyBytes) {
            fields[existing].value = value
        } else {
            let keySpan = arena.appendSpan(keyBytes)
            appendField(index, .custom(keySpan), value)
        }
    }

    /// Sets a field whose key bytes already sit in the arena (parsers pointing into the message).
    public mutating func setField(_ index: Int, keySpan: ByteSpan, _ value: FieldValue) {
        BatchIdentity.willMutate(&identity)
        if let known = arena.withSpan(keySpan, { KnownField(bytes: $0) }) {
            setField(index, .known(known), value)
            return
        }
        var f = records[index].firstField
        while f >= 0 {
            if case .custom(let existing) = fields[Int(f)].key, spansEqual(existing, keySpan) {
                fields[Int(f)].value = value
                return
            }
            f = fields[Int(f)].next
        }
        appendField(index, .custom(keySpan), value)
    }

    private func spansEqual(_ a: ByteSpan, _ b: ByteSpan) -> Bool {
        guard a.length == b.length else { return false }
        return arena.withSpan(a) { x in arena.spanEquals(b, x) }
    }

    /// Sets a field named by a configuration-time name.
    public mutating func setField(_ index: Int, _ name: FieldName, _ value: FieldValue) {
        BatchIdentity.willMutate(&identity)
        if let known = name.known {
            setField(index, .known(known), value)
        } else {
            var s = name.string
            s.withUTF8 { setField(index, keyBytes: UnsafeRawBufferPointer($0), value) }
        }
    }

    /// The value of field `key` of event `index`.
    public func field(_ index: Int, _ key: KnownField) -> FieldValue? {
        fieldIndex(index, .known(key)).map { fields[$0].value }
    }

    /// The value of the field called `name` of event `index`.
    public func field(_ index: Int, _ name: FieldName) -> FieldValue? {
        if let known = name.known { return field(index, known) }
        var s = name.string
        return s.withUTF8 { customFieldIndex(index, UnsafeRawBufferPointer($0)) }.map { fields[$0].value }
    }

    /// Calls `body` for every field of event `index`, in the order they were added.
    public func forEachField(_ index: Int, _ body: (FieldKey, FieldValue) throws -> Void) rethrows {
        var f = records[index].firstField
        while f >= 0 {
            let field = fields[Int(f)]
            try body(field.key, field.value)
            f = field.next
        }
    }

    /// Calls `body` with the message bytes of event `index`.
    public func withMessage<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try arena.withSpan(records[index].message, body)
    }

    /// Calls `body` with the bytes of `span`.
    public func withBytes<R>(_ span: ByteSpan, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try arena.withSpan(span, body)
    }

    /// The bytes of `span` as a string (off the hot path only).
    public func string(_ span: ByteSpan) -> String { arena.spanString(span) }

    /// The message of event `index` as a string (off the hot path only).
    public func message(_ index: Int) -> String { arena.spanString(records[index].message) }

    /// The name of a field key as a string.
    public func name(of key: FieldKey) -> String {
        switch key {
        case .known(let k): k.name
        case .custom(let span): arena.spanString(span)
        }
    }

    /// A field value detached from the batch.
    public func literal(_ value: FieldValue) -> FieldLiteral {
        switch value {
        case .bytes(let span): .string(arena.spanString(span))
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .bool(let b): .bool(b)
        }
    }

    /// Keeps only the events for which `isIncluded` returns true, in order.
    public mutating func retain(_ isIncluded: (Int) -> Bool) {
        BatchIdentity.willMutate(&identity)
        var write = 0
        for read in records.indices where isIncluded(read) {
            records[write] = records[read]
            write += 1
        }
        records.removeLast(records.count - write)
    }

    /// Removes every event but keeps the storage for reuse.
    public mutating func removeAll() {
        BatchIdentity.willMutate(&identity)
        records.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        arena.clear()
    }

    func fieldIndex(_ index: Int, _ key: FieldKey) -> Int? {
        var f = records[index].firstField
        while f >= 0 {
            if fields[Int(f)].key == key { return Int(f) }
            f = fields[Int(f)].next
        }
        return nil
    }

    func customFieldIndex(_ index: Int, _ keyBytes: UnsafeRawBufferPointer) -> Int? {
        var f = records[index].firstField
        while f >= 0 {
            if case .custom(let span) = fields[Int(f)].key, arena.spanEquals(span, keyBytes) { return Int(f) }
            f = fields[Int(f)].next
        }
        return nil
    }
}
