import Codecs
import NIOCore

/// Cuts items out of an OTLP export request without decoding them: the request of a
/// payload's subset (a split, after a 413 or over `max_bytes`; the items a dead letter takes).
///
/// Items are numbered in wire order (`OpenTelemetryRequestShape`). A kept item's field is
/// copied byte for byte; so is every other field of the messages around it (resource, scope,
/// schema URLs, a metric's name and unit, a sum's temporality, fields unknown here), each
/// message's inner levels after its own fields; a message left with no item is left out.
///
/// ```
/// 0a ResourceLogs ─┬─ 0a Resource           copied
///                  ├─ 12 ScopeLogs ─┬─ 0a InstrumentationScope   copied
///                  │                ├─ 12 LogRecord #0           kept when 0 ∈ items
///                  │                └─ 12 LogRecord #1           …
///                  └─ 1a schema_url         copied
/// ```
enum OpenTelemetryRequestSubset {
    /// Writes the request of items `items` (ascending) of `request` into `writer`; returns how
    /// many resources and items it holds. A malformed request ends the subset where it breaks.
    static func write(_ request: UnsafeRawBufferPointer, items: [Int], shape: OpenTelemetryRequestShape,
                      into writer: inout ProtobufWriter) -> (resources: Int, items: Int) {
        var cursor = Cursor(items: items)
        var resources = 0
        var top = ProtobufReader(request)
        while cursor.next < items.count, let field = try? top.next() {
            guard shape.holds(field.number, at: 0), case .bytes(let range) = field.value else { continue }
            if copy(top.reader(for: range), field: field.number, level: 1, shape, &writer, &cursor) { resources += 1 }
        }
        return (resources, cursor.next)
    }

    /// Which items are kept, walking them in order.
    private struct Cursor {
        let items: [Int]
        /// The next item's number, and the next kept item (so, the items kept so far).
        var item = 0, next = 0

        /// Copies the item field `raw` when it is the next item.
        mutating func take(_ raw: UnsafeRawBufferPointer, _ writer: inout ProtobufWriter) {
            if next < items.count, items[next] == item {
                writer.buffer.writeBytes(raw)
                next += 1
            }
            item += 1
        }
    }

    /// Writes `message` (at `level` of the shape) as field `field` with only the kept items;
    /// takes it back and returns false when it kept none. Its other fields are copied as they
    /// are; at the last level its items are kept or left in place, above it the messages of
    /// the next level follow its own fields.
    private static func copy(_ message: ProtobufReader, field: UInt32, level: Int, _ shape: OpenTelemetryRequestShape,
                             _ writer: inout ProtobufWriter, _ cursor: inout Cursor) -> Bool {
        let mark = writer.buffer.writerIndex
        let before = cursor.next
        let isLast = level == shape.levels.count - 1
        writer.messageField(field) { w in
            var reader = message
            var inner: [(UInt32, Range<Int>)] = []
            while true {
                let start = reader.offset
                guard let f = try? reader.next() else { break }
                let raw = reader.slice(start..<reader.offset)
                switch f.value {
                case .bytes(let range) where shape.holds(f.number, at: level):
                    if isLast { cursor.take(raw, &w) } else { inner.append((f.number, range)) }
                default:
                    w.buffer.writeBytes(raw)
                }
            }
            for (number, range) in inner { _ = copy(reader.reader(for: range), field: number, level: level + 1, shape, &w, &cursor) }
        }
        guard cursor.next > before else {
            writer.buffer.moveWriterIndex(to: mark)
            return false
        }
        return true
    }
}
