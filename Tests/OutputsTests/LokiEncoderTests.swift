import Codecs
import Foundation
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline
import XCTest

/// Loki push bodies: golden bytes, and the encoder's output read back by the test receiver's
/// independent decoder.
final class LokiEncoderTests: XCTestCase {
    private let epoch = LokiOutputTesting.epoch
    private let labels = [LokiLabel(name: "host", template: FieldTemplate.parse("{{ hostname }}").template!),
                          LokiLabel(name: "app", template: FieldTemplate.parse("{{ appname }}").template!)]

    /// Two streams, out of order, with characters to escape in a label and in the lines.
    private func goldenBatch() -> LogBatch {
        var batch = LogBatch()
        func add(_ time: Int64, _ message: String, app: String, host: String?) {
            let i = batch.append(timestamp: time, message: message)
            batch.setField(i, .known(.appname), .bytes(batch.store(app)))
            if let host { batch.setField(i, .known(.hostname), .bytes(batch.store(host))) }
        }
        add(epoch + 2_000_000_001, "GET /a 200", app: "web", host: nil)
        add(epoch + 1, "db \"quoted\"\ttab", app: "db", host: #"h"1"#)
        add(epoch, "first é", app: "web", host: nil)
        return batch
    }

    /// The uncompressed body the output makes of `batch`, as one request.
    private func body(_ batch: LogBatch, _ format: LokiFormat) async throws -> [UInt8] {
        var encoder = LokiRequestEncoder(format: format)
        let bodies = await encoder.encode(batch) + encoder.flush()
        XCTAssertEqual(bodies.count, 1)
        let body = try XCTUnwrap(bodies.first)
        switch format.compression {
        case .snappy: return Array(buffer: try XCTUnwrap(Snappy.uncompress(body)))
        case .gzip: return Array(buffer: try XCTUnwrap(Gzip.decompress(body)))
        case .none: return Array(buffer: body)
        }
    }

    private func assertGolden(_ bytes: [UInt8], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/loki/\(name)")
        if ProcessInfo.processInfo.environment["PIPECTL_UPDATE_GOLDEN"] == "1" { try Data(bytes).write(to: golden) }
        XCTAssertEqual(bytes, Array(try Data(contentsOf: golden)), "\(name) differs from the golden file", file: file, line: line)
    }

    private var expectedStreams: [LokiDecodedStream] {
        [LokiDecodedStream(labels: #"{app="web"}"#, entries: [.init(timestamp: epoch, line: "first é"),
                                                              .init(timestamp: epoch + 2_000_000_001, line: "GET /a 200")]),
         LokiDecodedStream(labels: #"{app="db", host="h\"1"}"#, entries: [.init(timestamp: epoch + 1, line: "db \"quoted\"\ttab")])]
    }

    func testGoldenProtobufPush() async throws {
        let protobuf = try await body(goldenBatch(), LokiFormat(labels: labels))
        try assertGolden(protobuf, "push.pb")
        XCTAssertEqual(try LokiPushDecoder.decodeProtobuf(protobuf), expectedStreams,
                       "streams in first-seen order, entries by time, labels sorted and escaped")
    }

    func testGoldenJSONPush() async throws {
        let json = try await body(goldenBatch(), LokiFormat(labels: labels, encoding: .json, compression: LokiFormat.Compression.none))
        try assertGolden(json, "push.json")
        XCTAssertEqual(try LokiPushDecoder.decodeJSON(json), expectedStreams)
        let gzipped = try await body(goldenBatch(), LokiFormat(labels: labels, encoding: .json))
        XCTAssertEqual(gzipped, json, "gzip carries the same body")
    }

    /// Timestamps around zero and far from it: seconds floor, nanos always 0..<1e9 (as Go's `time.Unix`).
    func testTimestampsOfEverySign() async throws {
        let times: [Int64] = [-1_500_000_001, -1, 0, 1, 999_999_999, 1_000_000_000, .max, .min + 1]
        var batch = LogBatch()
        for time in times { batch.append(timestamp: time, message: "t") }
        batch.append(timestamp: 5, message: "")
        let decoded = try LokiPushDecoder.decodeProtobuf(try await body(batch, LokiFormat()))
        XCTAssertEqual(decoded.map(\.labels), [#"{agent="pipectl"}"#])
        XCTAssertEqual(decoded.first?.entries, (times.map { .init(timestamp: $0, line: "t") } + [.init(timestamp: 5, line: "")])
            .sorted { $0.timestamp < $1.timestamp })
    }

    /// A subset (a split) encodes only its entries, keeping their order and streams.
    func testSubsetsEncodeTheirEntriesOnly() throws {
        let batch = goldenBatch()
        let rendering = LokiEventRendering(format: LokiFormat(labels: labels), truncated: .init(0), dropped: .init(0), log: nil, name: "t")
        var shard = LokiShard(shared: LokiShard.Shared(rendering: rendering))
        var keys: [(key: UInt64, size: Int)] = []
        rendering.render(batch, keys: &keys)
        for i in 0..<batch.count { shard.append(i, of: batch, sourceID: 0, key: keys[i].key) }
        let payload = shard.take()
        XCTAssertEqual(payload.eventCount, 3)
        let (first, second) = try XCTUnwrap(payload.split())
        func decode(_ p: LokiPayload) throws -> [LokiDecodedStream] {
            try LokiPushDecoder.decodeProtobuf(Array(buffer: XCTUnwrap(Snappy.uncompress(p.body))))
        }
        XCTAssertEqual(try decode(first), [expectedStreams[0]].map { var s = $0; s.entries.removeLast(); return s })
        XCTAssertEqual(try decode(second), [LokiDecodedStream(labels: #"{app="web"}"#, entries: [expectedStreams[0].entries[1]]),
                                            expectedStreams[1]])
        XCTAssertEqual(first.size + second.size - payload.size, 2 + 2 + #"{app="web"}"#.utf8.count,
                       "the web stream's header (tag, length, labels field) twice")
        var dead = ByteBuffer()
        payload.writeEvents(into: &dead)
        XCTAssertEqual(String(buffer: dead).split(separator: "\n").map { $0.contains("GET /a") }, [true, false, false],
                       "dead letters in arrival order")
    }

    func testAnswersAsLokiMeansThem() {
        let wire = LokiProtocol(classifier: DeliveryHTTPClassifier(name: "loki(t)", endpoint: "http://l/loki/api/v1/push"))
        var encoder = LokiEncoder(format: LokiFormat())
        let payload = LokiPayload(batches: [], streams: LokiStreams(), lines: ByteBuffer(), entries: [], encoder: &encoder)
        func outcome(_ status: Int, _ body: String = "", headers: HTTPHeaders = [:]) -> String {
            switch wire.classify(.response(DeliveryHTTPResponse(status: status, headers: headers, body: ByteBuffer(string: body))), of: payload) {
            case .delivered: "delivered"
            case .split(let f): "split \(f.kind)"
            case .retry(let after, let f): "retry \(f.kind) \(after.map { "\($0)" } ?? "-")"
            case .reject(let f): "reject \(f.kind) \(f.description)"
            case .partial, .sideRequest: "other"
            }
        }
        XCTAssertEqual(outcome(204), "delivered")
        XCTAssertEqual(outcome(400, "entry out of order"), "reject http_4xx loki(t): 400 from http://l/loki/api/v1/push: entry out of order")
        XCTAssertEqual(outcome(413), "split http_4xx")
        XCTAssertEqual(outcome(500, "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5000000 vs. 4194304)"),
                       "split http_5xx")
        XCTAssertEqual(outcome(500, "rpc error: code = Unavailable"), "retry http_5xx -")
        XCTAssertEqual(outcome(429, headers: ["Retry-After": "3"]), "retry http_429 3.0 seconds")
    }

    func testURLsWithoutAPathGetThePushPath() {
        XCTAssertEqual(LokiOutputConfig.pushURL("http://loki:3100"), "http://loki:3100/loki/api/v1/push")
        XCTAssertEqual(LokiOutputConfig.pushURL("https://loki/"), "https://loki/loki/api/v1/push")
        XCTAssertEqual(LokiOutputConfig.pushURL("http://gw/tenant-a/push"), "http://gw/tenant-a/push")
    }
}
