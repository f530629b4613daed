import Codecs
import Foundation
import NIOCore
import NIOHTTP1
@testable import Outputs
import XCTest

/// A `_bulk` endpoint on 127.0.0.1 that checks what Elasticsearch checks and answers as it
/// does: NDJSON action/source pairs ending with a newline, `Content-Type:
/// application/x-ndjson`, gzip bodies, `index`/`create` actions with `_index` (and `_id`),
/// valid index names, `create` only (and `@timestamp`) on data streams, 409
/// `version_conflict_engine_exception` for `create` on an existing `_id`, per-item answers
/// in request order, `filter_path`. It stores documents by index and `_id`, and fails
/// requests or single documents (by message) from a script.
final class StrictElasticsearchReceiver: @unchecked Sendable {
    /// A scripted whole-request answer; `afterStoring` stores the documents first (an answer lost after indexing).
    struct Answer {
        var status: HTTPResponseStatus
        var body = ""
        var afterStoring = false
    }

    /// One request as received (body uncompressed), with the status it got.
    struct Request {
        let uri: String
        let headers: HTTPHeaders
        let lines: [String]
        let status: Int
        /// The messages of its documents, in order.
        var messages: [String] { stride(from: 1, to: lines.count, by: 2).map { StrictElasticsearchReceiver.object(lines[$0])?["message"] as? String ?? "" } }
        /// The action of each item (`index`, `create`).
        var actions: [String] { stride(from: 0, to: lines.count, by: 2).map { StrictElasticsearchReceiver.object(lines[$0])?.keys.first ?? "" } }
        var query: [String: String] {
            guard let q = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
            return Dictionary(q.split(separator: "&").map {
                let pair = $0.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), String(pair.count > 1 ? pair[1] : "").removingPercentEncoding ?? "")
            }, uniquingKeysWith: { $1 })
        }
    }

    private let lock = NSLock()
    private var pending: [Answer] = []
    private var itemScript: [String: [Int]] = [:]
    private var received: [Request] = []
    private var stored: [String: [String: [String: Any]]] = [:]
    private var refusals: [String] = []
    private var server: TestHTTPServer?
    private var authorization: String?
    private var maxBytes = Int.max
    private var autoID = 0

    /// Data streams are the names matching `logs-*-*`, as Elasticsearch's built-in template makes them.
    static func isDataStream(_ index: String) -> Bool { index.hasPrefix("logs-") && index.split(separator: "-").count >= 3 }

    /// The `Authorization` header every request must carry (401 otherwise).
    var requiredAuthorization: String? {
        get { lock.withLock { authorization } }
        set { lock.withLock { authorization = newValue } }
    }
    /// Uncompressed bodies over this get 413.
    var maxUncompressedBytes: Int {
        get { lock.withLock { maxBytes } }
        set { lock.withLock { maxBytes = newValue } }
    }
    /// Answers for the next valid requests, in order.
    func script(_ answers: [Answer]) { lock.withLock { pending = answers } }
    /// Statuses for the document with `message`, one per attempt, before it is stored.
    func failDocument(message: String, with statuses: [Int]) { lock.withLock { itemScript[message] = statuses } }
    var requests: [Request] { lock.withLock { received } }
    /// Stored documents: index → _id → source.
    var documents: [String: [String: [String: Any]]] { lock.withLock { stored } }
    /// Why requests were refused as a whole (400).
    var problems: [String] { lock.withLock { refusals } }

    /// Listens on a free loopback port and returns it.
    func start() async throws -> Int {
        let server = TestHTTPServer { [unowned self] head, body in self.response(head, body) }
        lock.withLock { self.server = server }
        return try await server.start()
    }

    func stop() async { await lock.withLock { server }?.stop() }

    /// The answer to a request, as JSON; a 429 says `Retry-After: 1`.
    private func response(_ head: HTTPRequestHead, _ body: ByteBuffer) -> TestHTTPServer.Response {
        let (status, text) = handle(head, body)
        var headers = [("Content-Type", "application/json")]
        if status == .tooManyRequests { headers.append(("Retry-After", "1")) }
        return .init(status: status, headers: headers, body: text)
    }

    fileprivate func handle(_ head: HTTPRequestHead, _ body: ByteBuffer) -> (HTTPResponseStatus, String) {
        lock.withLock {
            var lines: [String] = []
            let (status, text) = answer(head, body, &lines)
            if status == .badRequest { refusals.append(text) }
            received.append(Request(uri: head.uri, headers: head.headers, lines: lines, status: Int(status.code)))
            return (status, text)
        }
    }

    private func answer(_ head: HTTPRequestHead, _ raw: ByteBuffer, _ lines: inout [String]) -> (HTTPResponseStatus, String) {
        func error(_ status: HTTPResponseStatus, _ type: String, _ reason: String) -> (HTTPResponseStatus, String) {
            let cause: [String: Any] = ["type": type, "reason": reason]
            return (status, Self.text(["error": ["root_cause": [cause], "type": type, "reason": reason], "status": Int(status.code)]))
        }
        let path = head.uri.split(separator: "?").first.map(String.init) ?? ""
        guard head.method == .POST, path == "/_bulk" else { return error(.badRequest, "illegal_argument_exception", "\(head.method) \(path)") }
        if let authorization, head.headers["Authorization"] != [authorization] {
            return error(.unauthorized, "security_exception", "missing authentication credentials for REST request [/_bulk]")
        }
        guard head.headers["Content-Type"] == ["application/x-ndjson"] else {
            return (.notAcceptable, Self.text(["error": "Content-Type header [\(head.headers["Content-Type"])] is not supported", "status": 406]))
        }
        var body = raw
        if head.headers["Content-Encoding"] == ["gzip"] {
            guard let plain = Gzip.decompress(raw) else { return error(.badRequest, "parse_exception", "bad gzip body") }
            body = plain
        } else if !head.headers["Content-Encoding"].isEmpty {
            return error(.badRequest, "illegal_argument_exception", "unsupported Content-Encoding \(head.headers["Content-Encoding"])")
        }
        let text = String(buffer: body)
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard body.readableBytes <= maxBytes else { return (.payloadTooLarge, "") }
        guard text.hasSuffix("\n") else {
            return error(.badRequest, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]")
        }
        guard lines.count % 2 == 0, !lines.isEmpty else {
            return error(.badRequest, "action_request_validation_exception", "Validation Failed: 1: no requests added or a source is missing;")
        }
        var actions: [(String, String, String?)] = []
        for n in stride(from: 0, to: lines.count, by: 2) {
            guard let action = Self.object(lines[n]), action.count == 1, let (name, meta) = action.first,
                  ["index", "create"].contains(name), let meta = meta as? [String: Any], let index = meta["_index"] as? String,
                  Set(meta.keys).isSubset(of: ["_index", "_id"]) else {
                return error(.badRequest, "illegal_argument_exception", "Malformed action/metadata line [\(n + 1)]: \(lines[n])")
            }
            actions.append((name, index, meta["_id"] as? String))
        }
        var scripted: Answer?
        if !pending.isEmpty {
            scripted = pending.removeFirst()
            if scripted?.afterStoring == false { return (scripted!.status, scripted!.body) }
        }
        var items: [[String: Any]] = []
        for (k, (action, index, id)) in actions.enumerated() {
            items.append([action: item(action, index: index, id: id, source: lines[2 * k + 1])])
        }
        if let scripted { return (scripted.status, scripted.body) }
        let errors = items.contains { ($0.values.first as? [String: Any])?["error"] != nil }
        var response: Any = ["took": 1, "errors": errors, "items": items]
        if let filter = head.uri.split(separator: "?").dropFirst().first?.split(separator: "&")
            .first(where: { $0.hasPrefix("filter_path=") })?.dropFirst(12) {
            response = Self.filter(response, paths: filter.split(separator: ",").map { $0.split(separator: ".").map(String.init) }) ?? [:]
        }
        return (.ok, Self.text(response))
    }

    /// One item's answer; stores the document when it is accepted.
    private func item(_ action: String, index: String, id: String?, source: String) -> [String: Any] {
        var answer: [String: Any] = ["_index": index, "_id": id ?? "", "_version": 1]
        func fail(_ status: Int, _ type: String, _ reason: String) -> [String: Any] {
            answer["status"] = status
            answer["error"] = ["type": type, "reason": reason, "index_uuid": "aAsFqTI0Tc2W0LCWgPNrOA", "shard": "0", "index": index]
            return answer
        }
        guard let document = Self.object(source) else { return fail(400, "document_parsing_exception", "[1:1] failed to parse") }
        guard index == index.lowercased(), !index.contains(where: { #"\/*?"<>|,#: "#.contains($0) }),
              !["-", "_", "+"].contains(index.first) else {
            return fail(400, "invalid_index_name_exception", "Invalid index name [\(index)]")
        }
        if Self.isDataStream(index) {
            guard action == "create" else {
                return fail(400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams")
            }
            guard document["@timestamp"] is String else {
                return fail(400, "illegal_argument_exception", "data stream timestamp field [@timestamp] is missing")
            }
        }
        if let message = document["message"] as? String, var statuses = itemScript[message], !statuses.isEmpty {
            let status = statuses.removeFirst()
            itemScript[message] = statuses
            switch status {
            case 429: return fail(429, "es_rejected_execution_exception", "rejected execution of coordinating operation")
            case 500..<600: return fail(status, "unavailable_shards_exception", "primary shard is not active")
            default: return fail(status, "mapper_parsing_exception", "failed to parse field [message] of type [long]")
            }
        }
        let key = id ?? { autoID += 1; return "auto-\(autoID)" }()
        answer["_id"] = key
        let existed = stored[index]?[key] != nil
        if existed, action == "create" {
            return fail(409, "version_conflict_engine_exception", "[\(key)]: version conflict, document already exists (current version [1])")
        }
        stored[index, default: [:]][key] = document
        answer["result"] = existed ? "updated" : "created"
        answer["status"] = existed ? 200 : 201
        answer["_shards"] = ["total": 2, "successful": 1, "failed": 0]
        return answer
    }

    /// `filter_path`: keeps the members named by a path (`*` for any key), through arrays; drops what is left empty.
    static func filter(_ value: Any, paths: [[String]]) -> Any? {
        if let array = value as? [Any] {
            let kept = array.compactMap { filter($0, paths: paths) }
            return kept.isEmpty ? nil : kept
        }
        guard let object = value as? [String: Any] else { return nil }
        var kept: [String: Any] = [:]
        for (key, member) in object {
            let matching = paths.filter { $0.first == key || $0.first == "*" }
            if matching.contains(where: { $0.count == 1 }) {
                kept[key] = member
            } else if !matching.isEmpty, let inner = filter(member, paths: matching.map { Array($0.dropFirst()) }) {
                kept[key] = inner
            }
        }
        return kept.isEmpty ? nil : kept
    }

    /// A line as a JSON object, if it is one.
    static func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    private static func text(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}
