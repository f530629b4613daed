import NIOCore

/// What a `_bulk` answer says, read from its bytes without building a JSON tree:
///
/// ```
/// {"took":3,"errors":true,"items":[{"index":{…,"status":201}},
///                                  {"create":{…,"status":409,"error":{"type":"version_conflict_engine_exception",…}}}]}
/// ```
/// (with `filter_path=errors,items.*.status,items.*.error` only those keys come back).
/// `errors: false` ends the reading: every item was delivered. Otherwise each item's action,
/// status and error object (its bytes) are read, in request order, as far as the answer
/// goes: a cut-short answer (`DeliveryHTTPTransport.maxResponseBody`) yields the items
/// before the cut.
struct ElasticsearchBulkResponse {
    /// One item's answer, in request order.
    struct Item {
        /// True for a `create` action (a 409 there means the document is already there).
        var isCreate: Bool
        var status: Int
        /// The item's `error` object as sent (nil when it has none).
        var error: ByteBuffer?
    }

    /// `errors` as answered; nil when the answer had none (not a bulk answer, or cut before it).
    var errors: Bool?
    var items: [Item] = []
    /// False when the bytes ended or broke before the answer's end.
    var complete = false

    /// Reads `body`.
    static func read(_ body: ByteBuffer) -> ElasticsearchBulkResponse {
        var response = ElasticsearchBulkResponse()
        body.withUnsafeReadableBytes { bytes in
            var scanner = JSONScanner(bytes: bytes)
            response.complete = response.read(&scanner, body)
        }
        return response
    }

    private mutating func read(_ scanner: inout JSONScanner, _ body: ByteBuffer) -> Bool {
        scanner.object { s, key in
            if s.key(key, is: "errors") {
                guard let value = s.bool() else { return false }
                errors = value
                return value  // false: nothing more to read
            }
            if s.key(key, is: "items") { return s.array { readItem(&$0, body) } }
            return s.skipValue()
        }
    }

    private mutating func readItem(_ scanner: inout JSONScanner, _ body: ByteBuffer) -> Bool {
        var item = Item(isCreate: false, status: 0, error: nil)
        let read = scanner.object { s, action in
            item.isCreate = s.key(action, is: "create")
            return s.object { s, key in
                if s.key(key, is: "status") {
                    guard let status = s.int() else { return false }
                    item.status = status
                    return true
                }
                if s.key(key, is: "error") {
                    let start = s.position
                    guard s.skipValue() else { return false }
                    item.error = body.getSlice(at: body.readerIndex + start, length: s.position - start)
                    return true
                }
                return s.skipValue()
            }
        }
        guard read, item.status != 0 else { return false }
        items.append(item)
        return true
    }
}
