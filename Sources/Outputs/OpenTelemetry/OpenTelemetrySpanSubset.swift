import Codecs
import NIOCore

/// Cuts spans out of an `ExportTraceServiceRequest` body without decoding them: the request
/// of a payload's subset (a split, after a 413 or over `max_bytes`).
///
/// Spans are numbered in wire order. A kept span's field is copied byte for byte; so is every
/// other field of its `ResourceSpans` and `ScopeSpans` (resource, scope, schema URLs, fields
/// unknown here), in wire order with the scopes last; a resource or scope left with no span
/// is left out.
///
/// ```
/// 0a ResourceSpans ─┬─ 0a Resource           copied
///                   ├─ 12 ScopeSpans ─┬─ 0a InstrumentationScope   copied
///                   │                 ├─ 12 Span  #0               kept when 0 ∈ items
///                   │                 └─ 12 Span  #1               …
///                   └─ 1a schema_url         copied
/// ```
enum OpenTelemetrySpanSubset {
    /// The request of spans `items` (ascending) of `request`, with the resources and spans it
    /// holds. A malformed request (the input checked it) ends the subset where it breaks.
    static func slice(_ request: UnsafeRawBufferPointer, items: [Int]) -> (bytes: ByteBuffer, resources: Int, spans: Int) {
        var writer = ProtobufWriter(buffer: ByteBufferAllocator().buffer(capacity: request.count))
        var cursor = Cursor(items: items)
        var resources = 0
        var top = ProtobufReader(request)
        while cursor.next < items.count, let field = try? top.next() {
            guard field.number == 1, case .bytes(let range) = field.value else { continue }
            if copy(top.reader(for: range), field: 1, level: .resource, &writer, &cursor) { resources += 1 }
        }
        return (writer.buffer, resources, cursor.next)
    }

    private enum Level { case resource, scope }

    /// Which spans are kept, walking them in order.
    private struct Cursor {
        let items: [Int]
        /// The next span's number, and the next kept item (so, the spans kept so far).
        var span = 0, next = 0

        /// Copies the span field `raw` when it is the next item.
        mutating func take(_ raw: UnsafeRawBufferPointer, _ writer: inout ProtobufWriter) {
            if next < items.count, items[next] == span {
                writer.buffer.writeBytes(raw)
                next += 1
            }
            span += 1
        }
    }

    /// Writes `message` (a `ResourceSpans` or `ScopeSpans`) as field `field` with only the kept
    /// spans; takes it back and returns false when it kept none. Its other fields are copied
    /// as they are; at the resource level its `ScopeSpans` (field 2) follow them.
    private static func copy(_ message: ProtobufReader, field: UInt32, level: Level, _ writer: inout ProtobufWriter,
                             _ cursor: inout Cursor) -> Bool {
        let mark = writer.buffer.writerIndex
        let before = cursor.next
        writer.messageField(field) { w in
            var reader = message
            var scopes: [Range<Int>] = []
            while true {
                let start = reader.offset
                guard let f = try? reader.next() else { break }
                let raw = reader.slice(start..<reader.offset)
                switch (level, f.number, f.value) {
                case (.resource, 2, .bytes(let scope)): scopes.append(scope)
                case (.scope, 2, .bytes): cursor.take(raw, &w)
                default: w.buffer.writeBytes(raw)
                }
            }
            for scope in scopes { _ = copy(reader.reader(for: scope), field: 2, level: .scope, &w, &cursor) }
        }
        guard cursor.next > before else {
            writer.buffer.moveWriterIndex(to: mark)
            return false
        }
        return true
    }
}
