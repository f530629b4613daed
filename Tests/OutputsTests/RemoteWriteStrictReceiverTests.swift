import Codecs
import Foundation
import NIOCore
import NIOHTTP1
@testable import Outputs
import Pipeline
import XCTest

/// A remote-write receiver on 127.0.0.1 that refuses (400) what Prometheus would refuse:
/// wrong headers, bad snappy or protobuf, unsorted, duplicate or empty labels, a series
/// without `__name__`, samples out of order within a series, also across requests. It
/// answers accepted requests from a script (then 204) and keeps what it stored.
final class StrictRemoteWriteReceiver: @unchecked Sendable {
    /// A scripted answer.
    struct Answer: Error {
        var status: HTTPResponseStatus
        var headers: [(String, String)] = []
        var body = ""
    }

    /// One request as received, with the status it got.
    struct Request {
        let headers: HTTPHeaders
        let body: [UInt8]
        let at: ContinuousClock.Instant
        let status: Int
    }

    private let lock = NSLock()
    private var pending: [Answer] = []
    private var received: [Request] = []
    private var stored: [String: [DecodedSeries.Sample]] = [:]
    private var refusals: [String] = []
    private var server: TestHTTPServer?
    private var required: [(String, String)] = []
    private var maxBytes = Int.max

    /// Headers every request must carry besides the protocol's.
    var requiredHeaders: [(String, String)] {
        get { lock.withLock { required } }
        set { lock.withLock { required = newValue } }
    }

    /// Uncompressed bodies over this get 413.
    var maxUncompressedBytes: Int {
        get { lock.withLock { maxBytes } }
        set { lock.withLock { maxBytes = newValue } }
    }

    /// Answers for the next valid requests, in order.
    func script(_ answers: [Answer]) { lock.withLock { pending = answers } }
    /// Every request so far.
    var requests: [Request] { lock.withLock { received } }
    /// Accepted samples by series (`name=value,…`).
    var samples: [String: [DecodedSeries.Sample]] { lock.withLock { stored } }
    /// Why requests were refused with 400.
    var problems: [String] { lock.withLock { refusals } }

    /// Listens on a free loopback port and returns it.
    func start() async throws -> Int {
        let server = TestHTTPServer { [unowned self] head, body in let a = self.handle(head, body); return .init(status: a.status, headers: a.headers, body: a.body) }
        lock.withLock { self.server = server }
        return try await server.start()
    }

    func stop() async { await lock.withLock { server }?.stop() }

    fileprivate func handle(_ head: HTTPRequestHead, _ body: ByteBuffer) -> Answer {
        lock.withLock {
            var answer: Answer
            var accepted: [DecodedSeries] = []
            switch check(head, body) {
            case .success(let series):
                answer = pending.isEmpty ? Answer(status: .noContent) : pending.removeFirst()
                accepted = series
            case .failure(let refusal):
                answer = refusal
                if refusal.status == .badRequest { refusals.append(refusal.body) }
            }
            if (200..<300).contains(answer.status.code) {
                for series in accepted { stored[series.key, default: []] += series.samples }
            }
            received.append(Request(headers: head.headers, body: Array(buffer: body), at: .now, status: Int(answer.status.code)))
            return answer
        }
    }

    private func check(_ head: HTTPRequestHead, _ body: ByteBuffer) -> Result<[DecodedSeries], Answer> {
        func refuse(_ why: String) -> Result<[DecodedSeries], Answer> { .failure(Answer(status: .badRequest, body: why)) }
        guard head.method == .POST, head.uri == "/api/v1/write" else { return refuse("\(head.method) \(head.uri)") }
        let expected = [("Content-Encoding", "snappy"), ("Content-Type", "application/x-protobuf"),
                        ("X-Prometheus-Remote-Write-Version", "0.1.0"), ("User-Agent", "pipectl/0.1")] + required
        for (name, value) in expected where head.headers[name] != [value] {
            return refuse("header \(name): expected \(value), got \(head.headers[name])")
        }
        guard let protobuf = Snappy.uncompress(body) else { return refuse("snappy: corrupt input") }
        guard protobuf.readableBytes <= maxBytes else { return .failure(Answer(status: .payloadTooLarge, body: "too big")) }
        let series: [DecodedSeries]
        do { series = try WriteRequestDecoder.decode(Array(buffer: protobuf)) } catch { return refuse("protobuf: \(error)") }
        var last: [String: Int64] = [:]
        for s in series {
            let names = s.labels.map { Array($0.name.utf8) }
            guard s.labels.allSatisfy({ !$0.name.isEmpty && !$0.value.isEmpty }) else { return refuse("empty label in \(s.text)") }
            guard zip(names, names.dropFirst()).allSatisfy({ $0.lexicographicallyPrecedes($1) }) else {
                return refuse("labels not sorted or duplicated: \(s.text)")
            }
            guard s.labels.contains(where: { $0.name == "__name__" }) else { return refuse("no __name__: \(s.text)") }
            guard !s.samples.isEmpty else { return refuse("no samples: \(s.text)") }
            for sample in s.samples {
                let previous = last[s.key] ?? stored[s.key]?.last?.timestamp ?? .min
                guard sample.timestamp > previous else { return refuse("out of order sample: \(s.text)") }
                last[s.key] = sample.timestamp
            }
        }
        return .success(series)
    }
}

/// The strict receiver itself refuses what it should.
final class RemoteWriteStrictReceiverTests: XCTestCase {
    func testRefusesUnsortedLabelsAndWrongHeaders() async throws {
        let receiver = StrictRemoteWriteReceiver()
        let port = try await receiver.start()
        let transport = DeliveryHTTPTransport(options: DeliveryHTTPOptions(url: "http://127.0.0.1:\(port)/api/v1/write"), tls: nil,
                                              protocolHeaders: RemoteWriteOutputConfig.protocolHeaders, requestTimeout: .seconds(10))
        func post(_ protobuf: [UInt8], headers: [(String, String)] = []) async -> Int? {
            var body = ByteBuffer()
            Snappy.compress(ByteBuffer(bytes: protobuf), into: &body)
            guard case .response(let response) = await transport.send(DeliveryHTTPRequest(body: body, headers: headers)) else { return nil }
            return response.status
        }
        let unsorted: [UInt8] = [0x0A, 0x1B,
                                 0x0A, 0x06, 0x0A, 0x01, 0x7A, 0x12, 0x01, 0x31]  // z="1"
            + [0x0A, 0x0D, 0x0A, 0x08] + Array("__name__".utf8) + [0x12, 0x01, 0x6D]  // __name__="m"
            + [0x12, 0x02, 0x10, 0x01]  // sample at 1 ms
        let sorted: [UInt8] = [0x0A, 0x1B]
            + [0x0A, 0x0D, 0x0A, 0x08] + Array("__name__".utf8) + [0x12, 0x01, 0x6D]
            + [0x0A, 0x06, 0x0A, 0x01, 0x7A, 0x12, 0x01, 0x31]
            + [0x12, 0x02, 0x10, 0x01]
        let first = await post(unsorted)
        let second = await post(sorted)
        let again = await post(sorted)
        let wrongType = await post(sorted, headers: [("Content-Type", "text/plain")])
        await transport.shutdown()
        await receiver.stop()
        XCTAssertEqual([first, second, again, wrongType], [400, 204, 400, 400])
        XCTAssertEqual(receiver.problems.map { String($0.prefix(25)) },
                       ["labels not sorted or dupl", "out of order sample: {__n", "header Content-Type: expe"])
        XCTAssertEqual(receiver.samples, ["__name__=m,z=1": [DecodedSeries.Sample(value: 0, timestamp: 1)]])
    }
}
