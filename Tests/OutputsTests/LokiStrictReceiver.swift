import Codecs
import Foundation
import NIOCore
import NIOHTTP1
@testable import Outputs
import XCTest

/// A Loki push receiver on 127.0.0.1 that answers as Loki 2.8 does (PROTOCOLS.md "Loki push"):
/// 204 on success; 400 with Loki's own texts for bad labels, lines over `maxLineBytes`,
/// entries older than `oldestTimestamp` and entries out of order within a stream (ordered
/// writes: stricter than Loki's default), storing the valid rest of the push as Loki does;
/// 500 `grpc: received message larger than max` for pushes over `maxMessageBytes` of protobuf;
/// 401 `no org id` without `X-Scope-OrgID` when `requireTenant`. Scripted answers (429 with
/// `Retry-After`, 5xx) go to the next valid pushes, which then store nothing.
final class LokiStrictReceiver: @unchecked Sendable {
    /// A scripted answer.
    struct Answer: Error {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body = ""
    }

    /// One push as received, with the answer it got.
    struct Request {
        let headers: HTTPHeaders
        /// The uncompressed body.
        let body: [UInt8]
        let streams: [LokiDecodedStream]
        let at: ContinuousClock.Instant
        let status: Int
        let answer: String
    }

    /// Loki's gRPC message limit.
    static let grpcLimit = 4_194_304

    private let lock = NSLock()
    private var pending: [Answer] = []
    private var received: [Request] = []
    private var stored: [String: [LokiDecodedStream.Entry]] = [:]
    private var server: TestHTTPServer?
    /// Lines longer than this are refused (Loki's `max_line_size`, 256KiB).
    var maxLineBytes = 256 * 1024
    /// Pushes whose protobuf is larger get the 500 of Loki's gRPC limit.
    var maxMessageBytes = grpcLimit
    /// Entries before this (Unix ns) are too old (`reject_old_samples_max_age`); nil accepts any.
    var oldestTimestamp: Int64?
    /// The tenant pushes must carry, if any.
    var requireTenant: String?

    /// Answers for the next valid pushes, in order.
    func script(_ answers: [Answer]) { lock.withLock { pending = answers } }
    /// Every push so far.
    var requests: [Request] { lock.withLock { received } }
    /// Stored entries by stream (`{a="x", b="y"}`, sorted).
    var streams: [String: [LokiDecodedStream.Entry]] { lock.withLock { stored } }
    /// Entries stored in all.
    var count: Int { lock.withLock { stored.values.reduce(0) { $0 + $1.count } } }

    /// Listens on a free loopback port and returns it.
    func start() async throws -> Int {
        let server = TestHTTPServer { [unowned self] head, body in let a = self.handle(head, body); return .init(status: a.status, headers: a.headers, body: a.body) }
        lock.withLock { self.server = server }
        return try await server.start()
    }

    func stop() async { await lock.withLock { server }?.stop() }

    fileprivate func handle(_ head: HTTPRequestHead, _ body: ByteBuffer) -> Answer {
        lock.withLock {
            var decoded: (bytes: [UInt8], streams: [LokiDecodedStream]) = ([], [])
            let answer: Answer
            switch decode(head, body) {
            case .failure(let refusal):
                answer = refusal
            case .success(let push):
                decoded = push
                if !pending.isEmpty {
                    answer = pending.removeFirst()
                } else {
                    answer = store(push.streams, protobufSize: Self.protobufSize(push.streams), tenant: head.headers.first(name: "X-Scope-OrgID"))
                }
            }
            received.append(Request(headers: head.headers, body: decoded.bytes, streams: decoded.streams, at: .now,
                                    status: Int(answer.status.code), answer: answer.body))
            return answer
        }
    }

    /// The push's streams, or the answer Loki gives to a body it cannot read.
    private func decode(_ head: HTTPRequestHead, _ body: ByteBuffer) -> Result<(bytes: [UInt8], streams: [LokiDecodedStream]), Answer> {
        func refuse(_ status: HTTPResponseStatus, _ why: String) -> Result<(bytes: [UInt8], streams: [LokiDecodedStream]), Answer> {
            .failure(Answer(status: status, body: why))
        }
        guard head.method == .POST, head.uri == "/loki/api/v1/push" else { return refuse(.notFound, "404 page not found") }
        if let tenant = requireTenant, head.headers.first(name: "X-Scope-OrgID") != tenant { return refuse(.unauthorized, "no org id") }
        let encoding = head.headers.first(name: "Content-Encoding")
        switch head.headers.first(name: "Content-Type") {
        case "application/x-protobuf":
            guard encoding == nil || encoding == "snappy" else { return refuse(.badRequest, "Content-Encoding \"\(encoding!)\" not supported") }
            guard let protobuf = Snappy.uncompress(body) else { return refuse(.badRequest, "snappy: corrupt input") }
            let bytes = Array(buffer: protobuf)
            do { return .success((bytes, try LokiPushDecoder.decodeProtobuf(bytes))) } catch {
                return refuse(.badRequest, "proto: \(error)")
            }
        case "application/json":
            var raw = body
            if encoding == "gzip" {
                guard let inflated = Gzip.decompress(body) else { return refuse(.badRequest, "gzip: invalid header") }
                raw = inflated
            } else if let encoding {
                return refuse(.badRequest, "Content-Encoding \"\(encoding)\" not supported")
            }
            let bytes = Array(buffer: raw)
            do { return .success((bytes, try LokiPushDecoder.decodeJSON(bytes))) } catch {
                return refuse(.badRequest, "loghttp.PushRequest.Streams: \(error)")
            }
        default:
            return refuse(.unsupportedMediaType, "unsupported Content-Type \(head.headers.first(name: "Content-Type") ?? "")")
        }
    }

    /// Validates as the distributor does, stores entries as the ingester does (valid ones kept),
    /// and answers 204 or 400 with the last problem's text.
    private func store(_ streams: [LokiDecodedStream], protobufSize: Int, tenant: String?) -> Answer {
        guard protobufSize <= maxMessageBytes else {
            return Answer(status: .internalServerError,
                          body: "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (\(protobufSize) vs. \(maxMessageBytes))")
        }
        var problem: String?
        for stream in streams {
            let pairs: [(name: String, value: String)]
            do { pairs = try LokiPushDecoder.parseLabels(stream.labels) } catch {
                problem = "Error parsing labels '\(stream.labels)' with error: \(error)"
                continue
            }
            guard !pairs.isEmpty else {
                problem = "error at least one label pair is required per stream"
                continue
            }
            if let duplicate = pairs.first(where: { pair in pairs.filter { $0.name == pair.name }.count > 1 }) {
                problem = "stream '\(stream.labels)' has duplicate label name: '\(duplicate.name)'"
                continue
            }
            if stream.structuredMetadata > 0 {
                problem = "stream '\(stream.labels)' includes structured metadata, but this feature is disallowed. Please see `limits_config.allow_structured_metadata` or contact your Loki administrator to enable it."
                continue
            }
            let key = LokiPushDecoder.labelString(Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
            var refusedHere: [String] = []
            for entry in stream.entries {
                if entry.line.utf8.count > maxLineBytes {
                    problem = "Max entry size '\(maxLineBytes)' bytes exceeded for stream '\(stream.labels)' while adding an entry with length '\(entry.line.utf8.count)' bytes"
                } else if let oldest = oldestTimestamp, entry.timestamp < oldest {
                    problem = "entry for stream '\(stream.labels)' has timestamp too old: \(Self.time(entry.timestamp)), oldest acceptable timestamp is: \(Self.time(oldest))"
                } else if let last = stored[key]?.last, entry.timestamp < last.timestamp {
                    refusedHere.append("entry with timestamp \(Self.time(entry.timestamp)) ignored, reason: 'entry out of order',\n")
                } else if let last = stored[key]?.last, last == entry {
                    continue  // an exact duplicate: Loki keeps one, silently
                } else {
                    stored[key, default: []].append(entry)
                }
            }
            if !refusedHere.isEmpty {
                problem = refusedHere.joined() + "user '\(tenant ?? "fake")', total ignored: \(refusedHere.count) out of \(stream.entries.count) for stream: \(stream.labels)"
            }
        }
        if let problem { return Answer(status: .badRequest, body: problem) }
        return Answer(status: .noContent)
    }

    /// Go's `time.Time` `%v` form: `2026-11-29 18:00:00 +0000 UTC`.
    static func time(_ ns: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ns) / 1e9)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS '+0000 UTC'"
        return formatter.string(from: date)
    }

    /// The size of the push re-encoded as protobuf (what the distributor sends the ingester).
    static func protobufSize(_ streams: [LokiDecodedStream]) -> Int {
        func varint(_ n: Int) -> Int { n < 128 ? 1 : 1 + varint(n >> 7) }
        func field(_ n: Int) -> Int { 1 + varint(n) + n }
        return streams.reduce(0) { total, stream in
            let entries = stream.entries.reduce(0) { $0 + field(12 + field($1.line.utf8.count)) }
            return total + field(field(stream.labels.utf8.count) + entries)
        }
    }
}
