#if canImport(Glibc)
import Glibc
#endif
import Codecs
import NIOCore
import Pipeline

/// Writes log events as `_bulk` NDJSON: an action line and a document line per event.
///
/// ```
/// {"index":{"_index":"logs-2026.11.29","_id":"q0Vb1lJ5nJ3q0YtTgGxq7w"}}\n
/// {"@timestamp":"2026-11-29T18:00:00.000001000Z","message":"GET /","hostname":"web-1",…}\n
/// ```
/// The document is the event's SPEC §4 JSON form with `@timestamp` for `timestamp` (data
/// streams require that field). The `_id` is 128 bits of two seeded `ByteHash`es of the
/// document line (timestamp, message and fields), base64url, 22 characters: the same event
/// always gets the same id, so a request sent again after a lost answer overwrites (`index`)
/// or is refused as already there (`create`, 409) instead of indexing twice. The action
/// line is written with room for the id, the document after it, then the id is hashed from
/// the document's bytes in place: no copy, no allocation per event.
struct ElasticsearchEncoder: Sendable {
    /// The bulk action: `index` (add or replace) or `create` (data streams; fails on an existing id).
    enum Action: String, Sendable { case index, create }

    let action: Action
    /// The index or data stream each event goes to.
    let target: ElasticsearchIndexPattern
    /// Whether action lines carry the derived `_id` (false: Elasticsearch makes one).
    let documentIDs: Bool

    static let idLength = 22
    private static let seeds: (UInt64, UInt64) = (0x6573_5F69_645F_6869, 0x6573_5F69_645F_6C6F)
    private static let base64url = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Appends event `index` of `batch` (its action and document lines) to `buffer`.
    func encode(_ batch: LogBatch, _ index: Int, into buffer: inout ByteBuffer) {
        let record = batch.records[index]
        var bound = 128 + target.length + RawWriter.jsonStringBound(Int(record.message.length))
        batch.forEachField(index) { key, value in
            if case .custom(let span) = key { bound += RawWriter.jsonStringBound(Int(span.length)) } else { bound += 20 }
            if case .bytes(let span) = value { bound += RawWriter.jsonStringBound(Int(span.length)) } else { bound += 40 }
            bound += 2
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { space in
            var out = RawWriter(space)
            out.write(action == .index ? "{\"index\":{\"_index\":\"" : "{\"create\":{\"_index\":\"")
            target.write(nanoseconds: record.timestamp, into: &out)
            var idAt = -1
            if documentIDs {
                out.write("\",\"_id\":\"")
                idAt = out.count
                for _ in 0..<Self.idLength { out.write(UInt8(ascii: "A")) }
            }
            out.write("\"}}\n")
            let documentAt = out.count
            writeDocument(batch, index, into: &out)
            if idAt >= 0 {
                let document = UnsafeRawBufferPointer(start: out.base + documentAt, count: out.count - documentAt)
                Self.writeID(of: document, at: out.base + idAt)
            }
            out.write(UInt8(ascii: "\n"))
            return out.count
        }
    }

    /// `{"@timestamp":"…","message":"…",<fields>}`: a custom field named `@timestamp` or
    /// `message` is left out (the event's own win; Elasticsearch refuses duplicate keys).
    private func writeDocument(_ batch: LogBatch, _ index: Int, into out: inout RawWriter) {
        let record = batch.records[index]
        out.write("{\"@timestamp\":\"")
        RFC3339.write(nanoseconds: record.timestamp, fractionDigits: 9, into: &out)
        out.write("\",\"message\":")
        batch.withBytes(record.message) { out.writeJSONString($0) }
        batch.forEachField(index) { key, value in
            switch key {
            case .known(let known):
                out.write(",\"")
                out.write(known.staticName)
                out.write("\":")
            case .custom(let span):
                if batch.withBytes(span, Self.isReserved) { return }
                out.write(UInt8(ascii: ","))
                batch.withBytes(span) { out.writeJSONString($0) }
                out.write(UInt8(ascii: ":"))
            }
            switch value {
            case .bytes(let span): batch.withBytes(span) { out.writeJSONString($0) }
            case .int(let v): out.writeInt(v)
            case .bool(let v): out.write(v ? "true" : "false")
            case .double(let v): out.writeJSONNumber(v)
            }
        }
        out.write(UInt8(ascii: "}"))
    }

    private static func isReserved(_ key: UnsafeRawBufferPointer) -> Bool {
        func equals(_ name: StaticString) -> Bool {
            key.count == name.utf8CodeUnitCount && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
        }
        return equals("message") || equals("@timestamp")
    }

    /// Writes the 22-character id of `document` at `at`: 128 bits, 6 per character.
    private static func writeID(of document: UnsafeRawBufferPointer, at: UnsafeMutableRawPointer) {
        let high = ByteHash.mix(ByteHash.hash(document, seed: seeds.0))
        let low = ByteHash.mix(ByteHash.hash(document, seed: seeds.1))
        for i in 0..<idLength {
            let bit = i * 6  // bits 0..<132 of high:low; the last character holds the final 2 bits
            let sextet: UInt64
            if bit + 6 <= 64 {
                sextet = high >> UInt64(58 - bit)
            } else if bit < 64 {
                sextet = high << UInt64(bit + 6 - 64) | low >> UInt64(128 - bit - 6)
            } else {
                sextet = bit + 6 <= 128 ? low >> UInt64(122 - bit) : low << UInt64(bit + 6 - 128)
            }
            at.storeBytes(of: base64url[Int(sextet & 63)], toByteOffset: i, as: UInt8.self)
        }
    }
}
