import Codecs
import Pipeline

/// How a log output's disk buffer keeps a batch of events (`DiskBufferRecord`), and reads it back.
///
/// Log outputs store events, not requests: a request depends on the lane, the stream and
/// the limits at send time (a Loki stream, a CloudWatch group), so the events are batched and
/// encoded again after they are read back, by the same code as with a memory buffer.
///
/// ```
/// metadata  01                      format version
/// payload   per event:
///             int64 LE              timestamp, Unix ns
///             varint + bytes        message
///             varint                field count, then per field:
///               00 id | 01 varint + bytes      key: a known field, or a name
///               00 varint + bytes | 01 int64 LE | 02 float64 LE | 03 byte    value
/// events    the events in the record
/// ```
package enum LogBatchRecord {
    static let version: UInt8 = 1

    /// The record of events `range` of `batch` (all of them by default).
    package static func make(_ batch: LogBatch, _ range: Range<Int>? = nil) -> DiskBufferRecord {
        let range = range ?? 0..<batch.count
        var out: [UInt8] = []
        out.reserveCapacity(batch.byteCount * range.count / max(1, batch.count) + range.count * 16)
        for i in range {
            append(UInt64(bitPattern: batch.records[i].timestamp), to: &out)
            batch.withMessage(i) { appendBytes($0, to: &out) }
            var fields = 0
            batch.forEachField(i) { _, _ in fields += 1 }
            Varint.append(UInt64(fields), to: &out)
            batch.forEachField(i) { key, value in
                switch key {
                case .known(let known):
                    out.append(0)
                    out.append(known.rawValue)
                case .custom(let span):
                    out.append(1)
                    batch.withBytes(span) { appendBytes($0, to: &out) }
                }
                switch value {
                case .bytes(let span):
                    out.append(0)
                    batch.withBytes(span) { appendBytes($0, to: &out) }
                case .int(let v):
                    out.append(1)
                    append(UInt64(bitPattern: v), to: &out)
                case .double(let v):
                    out.append(2)
                    append(v.bitPattern, to: &out)
                case .bool(let v):
                    out.append(3)
                    out.append(v ? 1 : 0)
                }
            }
        }
        return DiskBufferRecord(events: range.count, payload: out, metadata: [version])
    }

    /// The events of `record`; nil when it is not this format or does not hold exactly
    /// `record.events` well-formed events.
    package static func read(_ record: DiskBufferRecord) -> LogBatch? {
        guard record.metadata == [version] else { return nil }
        return record.payload.withUnsafeBytes { bytes -> LogBatch? in
            var reader = Reader(bytes: bytes)
            var batch = LogBatch(capacity: record.events, bytesPerEvent: record.payload.count / max(1, record.events))
            for _ in 0..<record.events {
                guard let timestamp = reader.int64(), let message = reader.lengthPrefixed(), let fields = reader.varint(),
                      fields <= UInt64(bytes.count) else { return nil }
                let i = batch.append(timestamp: timestamp, message: message)
                for _ in 0..<fields {
                    guard let key = reader.key(&batch), let value = reader.value(&batch) else { return nil }
                    batch.appendField(i, key, value)
                }
            }
            return reader.offset == bytes.count ? batch : nil
        }
    }

    private static func appendBytes(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        Varint.append(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    private static func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A bounds-checked cursor over a record's payload.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func uint64() -> UInt64? {
            guard bytes.count - offset >= 8 else { return nil }
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[offset + k]) << UInt64(8 * k) }
            offset += 8
            return v
        }

        mutating func int64() -> Int64? { uint64().map { Int64(bitPattern: $0) } }

        mutating func varint() -> UInt64? { Varint.read(bytes, at: &offset, end: bytes.count) }

        mutating func lengthPrefixed() -> UnsafeRawBufferPointer? {
            guard let n = varint(), n <= UInt64(bytes.count - offset) else { return nil }
            defer { offset += Int(n) }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(n))])
        }

        mutating func key(_ batch: inout LogBatch) -> FieldKey? {
            switch byte() {
            case 0: return byte().flatMap(KnownField.init(rawValue:)).map(FieldKey.known)
            case 1: return lengthPrefixed().map { .custom(batch.store($0)) }
            default: return nil
            }
        }

        mutating func value(_ batch: inout LogBatch) -> FieldValue? {
            switch byte() {
            case 0: return lengthPrefixed().map { .bytes(batch.store($0)) }
            case 1: return int64().map(FieldValue.int)
            case 2: return uint64().map { .double(Double(bitPattern: $0)) }
            case 3:
                guard let b = byte(), b <= 1 else { return nil }
                return .bool(b == 1)
            default: return nil
            }
        }
    }
}
