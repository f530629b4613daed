import Codecs
import Foundation
import NIOCore
@testable import Outputs
import Pipeline
import XCTest

/// What the opentelemetry disk buffer stores and reads back: the record format, the items of
/// a stored request (counted, cut and dead-lettered without the events), on requests made by
/// opentelemetry-proto 1.45 (Python) and by the output itself.
final class OpenTelemetryDiskBufferRecordTests: XCTestCase {
    private typealias T = OpenTelemetryOutputTesting

    /// An `ExportLogsServiceRequest` by opentelemetry-proto: resource svc0 with scopes lib00
    /// and lib01, resource svc1 with scope lib10, two records each (`m0`…`m5`, severity INFO,
    /// attributes `n` and `ok`; m1 has ids, flags and an event name), schema URLs throughout.
    static let logRequest = """
        0ae5020a180a160a0c736572766963652e6e616d6512060a047376633012a1010a0c0a056c696230301203312e30123309004069cded95ec\
        1810091a04494e464f2a040a026d3032070a016e1202180032080a026f6b1202100159004069cded95ec18125809e84369cded95ec18100a1a\
        04494e464f2a040a026d3132070a016e1202180132080a026f6b1202100045010000004a10000102030405060708090a0b0c0d0e0f52080001\
        02030405060759e84369cded95ec18620265761a027330127c0a0c0a056c696230311203312e31123309d04769cded95ec18100b1a04494e46\
        4f2a040a026d3232070a016e1202180232080a026f6b1202100159d04769cded95ec18123309b84b69cded95ec18100c1a04494e464f2a040a\
        026d3332070a016e1202180332080a026f6b1202100059b84b69cded95ec181a0273311a2768747470733a2f2f6f70656e74656c656d657472\
        792e696f2f736368656d61732f312e32312e300ac1010a180a160a0c736572766963652e6e616d6512060a0473766331127c0a0c0a056c6962\
        31301203312e30123309a04f69cded95ec18100d1a04494e464f2a040a026d3432070a016e1202180432080a026f6b1202100159a04f69cded\
        95ec18123309885369cded95ec18100e1a04494e464f2a040a026d3532070a016e1202180532080a026f6b1202100059885369cded95ec181a\
        0273301a2768747470733a2f2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32312e30
        """
    static let logRecords = 6

    /// An `ExportMetricsServiceRequest` by opentelemetry-proto: resources job0/inst0 and
    /// job1/inst1, each a gauge `g<i>` (2 double points) and a monotonic cumulative sum
    /// `c<i>_total` (2 int points); job1 also a histogram `h`, a summary `sum` and a gauge
    /// `stale` whose point has no recorded value.
    static let metricRequest = """
        0ad2010a380a160a0c736572766963652e6e616d6512060a046a6f62300a1e0a13736572766963652e696e7374616e63652e696412070a0569\
        6e73743012950112450a0267301a01312a3c0a1c19004069cded95ec1821000000000000e03f3a080a016b12030a01300a1c19014069cded95\
        ec1821000000000000f83f3a080a016b12030a0131124c0a0863305f746f74616c3a400a1c19004069cded95ec18310a000000000000003a08\
        0a016b12030a01300a1c19014069cded95ec18310b000000000000003a080a016b12030a0131100218010ad2020a380a160a0c736572766963\
        652e6e616d6512060a046a6f62310a1e0a13736572766963652e696e7374616e63652e696412070a05696e73743112950212450a0267311a01\
        312a3c0a1c19004069cded95ec1821000000000000e03f3a080a016b12030a01300a1c19014069cded95ec1821000000000000f83f3a080a01\
        6b12030a0131124c0a0863315f746f74616c3a400a1c19004069cded95ec18310a000000000000003a080a016b12030a01300a1c19014069cd\
        ed95ec18310b000000000000003a080a016b12030a01311002180112400a01684a3b0a3719004069cded95ec182103000000000000002900\
        0000000000f83f3210010000000000000002000000000000003a08000000000000f03f100212240a0373756d5a1d0a1b19004069cded95ec18\
        21020000000000000029000000000000104012160a057374616c652a0d0a0b19004069cded95ec184001
        """
    static let metricPoints = 11

    // MARK: Items of a stored request

    func testCountsTheItemsOpentelemetryProtoWrote() throws {
        XCTAssertEqual(try count(T.bytes(hex: Self.logRequest), .logs), Self.logRecords)
        XCTAssertEqual(try count(T.bytes(hex: Self.metricRequest), .metrics), Self.metricPoints)
        XCTAssertEqual(try count(T.bytes(hex: T.traceRequest), .traces), T.traceSpans)
    }

    /// Every subset keeps exactly its items, each with the fields of every message around it.
    func testEverySubsetKeepsExactlyItsItems() throws {
        for (request, shape) in [(Self.logRequest, OpenTelemetryRequestShape.logs), (Self.metricRequest, .metrics)] {
            let bytes = T.bytes(hex: request)
            let all = try Self.items(bytes, shape)
            for mask in 1..<(1 << all.count) {
                let items = (0..<all.count).filter { mask & (1 << $0) != 0 }
                let cut = slice(bytes, items, shape)
                XCTAssertEqual(try Self.items(cut.bytes, shape), items.map { all[$0] }, "items \(items)")
                XCTAssertEqual(cut.items, items.count)
            }
        }
    }

    /// A resource, scope or metric left with no point is left out; all points make the request again.
    func testAMetricSubsetLeavesOutWhatHasNoPoint() throws {
        let request = T.bytes(hex: Self.metricRequest)
        let cut = slice(request, [3], .metrics)
        XCTAssertEqual(cut.resources, 1)
        XCTAssertEqual(try Self.items(cut.bytes, .metrics), [try Self.items(request, .metrics)[3]])
        let metricMessages = OpenTelemetryRequestShape(levels: [[1], [2], [2]])  // counts `Metric` messages
        XCTAssertEqual(try cut.bytes.withUnsafeBytes { try metricMessages.count($0) }, 1, "the gauge beside it has no point left")
        XCTAssertEqual(slice(request, Array(0..<Self.metricPoints), .metrics).bytes, request, "all points: the request as it was")
    }

    /// A cut-short request: the count throws or counts fewer, the subset ends where it breaks
    /// and what it keeps still counts as it says.
    func testTruncatedRequestsAtEveryCut() throws {
        for (hex, shape, total) in [(Self.logRequest, OpenTelemetryRequestShape.logs, Self.logRecords),
                                    (Self.metricRequest, .metrics, Self.metricPoints), (T.traceRequest, .traces, T.traceSpans)] {
            let request = T.bytes(hex: hex)
            for end in 0..<request.count {
                let part = Array(request[..<end])
                if let counted = try? part.withUnsafeBytes({ try shape.count($0) }) { XCTAssertLessThan(counted, total, "cut at \(end)") }
                let cut = slice(part, Array(0..<total), shape)
                XCTAssertEqual(try cut.bytes.withUnsafeBytes { try shape.count($0) }, cut.items, "cut at \(end)")
            }
        }
    }

    // MARK: Records

    func testRecordRoundTripsEverySignalAndCompression() throws {
        for (signal, hex) in [(OTLPSignal.logs, Self.logRequest), (.metrics, Self.metricRequest), (.traces, T.traceRequest)] {
            let request = T.bytes(hex: hex)
            for stored in OpenTelemetryCompression.allCases {
                let payload = storedPayload(request, signal, stored)
                let record = OpenTelemetryRecord.make(payload, lane: 300)
                XCTAssertEqual(Array(record.metadata.prefix(3)), [1, UInt8(OTLPSignal.allCases.firstIndex(of: signal)!), stored == .gzip ? 1 : 0])
                XCTAssertEqual(record.payload, Array(buffer: payload.body), "the body as sent")
                for sent in OpenTelemetryCompression.allCases {
                    let read = try XCTUnwrap(OpenTelemetryRecord.read(record, compression: sent))
                    XCTAssertEqual(read.lane, 300)
                    XCTAssertEqual(read.payload.signal, signal)
                    XCTAssertEqual(read.payload.eventCount, payload.eventCount)
                    XCTAssertEqual(read.payload.size, request.count)
                    XCTAssertEqual(try protobuf(read.payload), request, "\(signal) stored \(stored), sent \(sent)")
                    if sent == stored { XCTAssertEqual(read.payload.body, payload.body, "sent as stored") }
                }
            }
        }
    }

    func testRecordRefusesWhatItDidNotWrite() {
        let good = OpenTelemetryRecord.make(storedPayload(T.bytes(hex: Self.logRequest), .logs, .gzip), lane: 1)
        XCTAssertNotNil(OpenTelemetryRecord.read(good, compression: .gzip))
        func refused(_ change: (inout DiskBufferRecord) -> Void, _ what: String) {
            var record = good
            change(&record)
            XCTAssertNil(OpenTelemetryRecord.read(record, compression: .gzip), what)
        }
        refused({ $0.metadata[0] = 2 }, "another format version")
        refused({ $0.metadata[1] = 3 }, "an unknown signal")
        refused({ $0.metadata[2] = 2 }, "an unknown compression")
        refused({ $0.metadata.append(0) }, "metadata past its end")
        refused({ $0.metadata.removeLast() }, "metadata cut short")
        refused({ $0.events = 5 }, "an item count that disagrees with the body")
        refused({ $0.payload[$0.payload.count / 2] ^= 0xFF }, "a damaged gzip body")
        refused({ $0.payload.removeLast(4) }, "a gzip body cut short")
        refused({ $0.metadata[$0.metadata.count - 1] ^= 1 }, "another uncompressed size")
    }

    // MARK: Dead letters

    /// A stored log request's dead-letter lines are the lines its events had before they were stored.
    func testStoredLogLinesReadAsTheLinesOfTheirEvents() async throws {
        var batch = LogBatch()
        func text(_ i: Int, _ name: String, _ value: String) { batch.setField(i, FieldName(name), .bytes(batch.store(value))) }
        let first = batch.append(timestamp: T.epoch, message: "GET /a 200")
        text(first, "resource.service.name", "api")
        text(first, "scope.name", "lib")
        text(first, "scope.version", "1.2")
        text(first, "scope.team", "core")
        text(first, "severity", "err")
        batch.setField(first, FieldName("severity_number"), .int(17))
        text(first, "trace_id", "5b8efff798038103d269b633813fc60c")
        text(first, "span_id", "eee19b7ec3c1b174")
        text(first, "event_name", "http.request")
        batch.setField(first, FieldName("flags"), .int(1))
        batch.setField(first, FieldName("http.status"), .int(200))
        batch.setField(first, FieldName("ratio"), .double(0.25))
        batch.setField(first, FieldName("cached"), .bool(false))
        text(first, "hostname", "web1")
        text(first, "quote\"d", "a\nb")
        let second = batch.append(timestamp: T.epoch + 1, message: "")
        text(second, "resource.service.name", "db")
        let live = try await payloads([.logs(batch)]).logs
        try assertStoredLines(live, .logs, count: 2)
    }

    /// Counters and gauges read back with their labels, `job` and `instance` included; a
    /// stale marker as `"NaN"`.
    func testStoredMetricLinesReadAsTheLinesOfTheirSamples() async throws {
        var batch = MetricBatch()
        let ms = T.epoch / 1_000_000
        batch.append(name: "http_requests_total", labels: [("job", "api"), ("instance", "h:1"), ("path", "/")], value: 3,
                     timestamp: ms, kind: .counter)
        batch.append(name: "temperature", labels: [("job", "api"), ("room", "a\"b")], value: 21.5, timestamp: ms + 1, kind: .gauge)
        batch.append(name: "temperature", labels: [("room", "c")], value: Double(bitPattern: OpenTelemetryMetricPoint.staleNaN),
                     timestamp: ms + 2, kind: .gauge)
        let live = try await payloads([.metrics(batch)]).metrics
        try assertStoredLines(live, .metrics, count: 3)
    }

    /// Every item of a foreign request gets a line; points of the types this output never
    /// writes carry their protobuf.
    func testStoredLinesOfRequestsOpentelemetryProtoWrote() throws {
        let payload = storedPayload(T.bytes(hex: Self.metricRequest), .metrics, .none)
        var buffer = ByteBuffer()
        payload.writeEvents(into: &buffer)
        let lines = try String(buffer: buffer).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.count, Self.metricPoints)
        XCTAssertEqual(try T.canonical(lines[2]), try T.canonical(json: """
            {"timestamp":"2026-11-29T18:00:00.000000000Z","name":"c0_total","labels":{"job":"job0","instance":"inst0","k":"0"},
             "kind":"counter","value":10}
            """))
        XCTAssertEqual(lines[0]["value"] as? Double, 0.5)
        XCTAssertEqual(lines[8]["kind"] as? String, "histogram")
        XCTAssertNotNil(lines[8]["otlp_protobuf_base64"] as? String)
        XCTAssertEqual(lines[9]["kind"] as? String, "summary")
        XCTAssertEqual(lines[10]["value"] as? String, "NaN")
        let logs = storedPayload(T.bytes(hex: Self.logRequest), .logs, .gzip)
        var logLines = ByteBuffer()
        logs.writeEvents(into: &logLines)
        let second = try XCTUnwrap(String(buffer: logLines).split(separator: "\n").dropFirst().first)
        XCTAssertEqual(try T.canonical(json: String(second)), try T.canonical(json: """
            {"timestamp":"2026-11-29T18:00:00.000001000Z","message":"m1","severity":"INFO","severity_number":10,
             "trace_id":"000102030405060708090a0b0c0d0e0f","span_id":"0001020304050607","event_name":"ev","flags":1,
             "n":1,"ok":false,"resource.service.name":"svc0","scope.name":"lib00","scope.version":"1.0"}
            """))
    }

    // MARK: Harness

    private func count(_ request: [UInt8], _ signal: OTLPSignal) throws -> Int {
        try request.withUnsafeBytes { try OpenTelemetryRequestShape.of(signal).count($0) }
    }

    private func slice(_ request: [UInt8], _ items: [Int], _ shape: OpenTelemetryRequestShape) -> (bytes: [UInt8], resources: Int, items: Int) {
        var writer = ProtobufWriter()
        let cut = request.withUnsafeBytes { OpenTelemetryRequestSubset.write($0, items: items, shape: shape, into: &writer) }
        return (Array(writer.buffer.readableBytesView), cut.resources, cut.items)
    }

    /// Each item with what it keeps of the messages around it: their fields other than the
    /// inner levels, as hex, outermost first, then the item. Walks the protobuf on its own.
    static func items(_ request: [UInt8], _ shape: OpenTelemetryRequestShape) throws -> [String] {
        var items: [String] = []
        func walk(_ bytes: [UInt8], level: Int, _ around: [String]) throws {
            var own = "", inner: [[UInt8]] = []
            try bytes.withUnsafeBytes { buffer in
                var reader = ProtobufReader(buffer)
                while true {
                    let start = reader.offset
                    guard let field = try reader.next() else { break }
                    if shape.levels[level].contains(field.number), case .bytes(let range) = field.value {
                        inner.append(Array(buffer[range]))
                    } else {
                        own += T.hex(buffer[start..<reader.offset])
                    }
                }
            }
            for message in inner {
                if level == shape.levels.count - 1 {
                    items.append((around + [own, T.hex(message)]).joined(separator: "/"))
                } else {
                    try walk(message, level: level + 1, level == 0 ? around : around + [own])
                }
            }
        }
        try walk(request, level: 0, [])
        return items
    }

    private func storedPayload(_ request: [UInt8], _ signal: OTLPSignal, _ compression: OpenTelemetryCompression) -> OpenTelemetryStoredPayload {
        let (body, size) = OpenTelemetryCompressor(compression).body { $0.buffer.writeBytes(request) }
        let items = (try? request.withUnsafeBytes { try OpenTelemetryRequestShape.of(signal).count($0) }) ?? 0
        return OpenTelemetryStoredPayload(signal: signal, compression: compression, body: body, size: size, eventCount: items)
    }

    private func protobuf(_ payload: some OpenTelemetryPayload) throws -> [UInt8] {
        Array(buffer: payload.compression == .gzip ? try XCTUnwrap(Gzip.decompress(payload.body)) : payload.body)
    }

    /// The requests the output's shards make of `batches` (one lane, nothing cut).
    private func payloads(_ batches: [EventBatch]) async throws -> Collected {
        let collected = Collected()
        var shards = OpenTelemetryShards(
            count: 1, limits: DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 1 << 22, timeout: .seconds(60)), compression: .gzip,
            submit: .init(logs: { payload, _ in collected.logs.append(payload) },
                          metrics: { payload, _ in collected.metrics.append(payload) },
                          spans: { _, _ in XCTFail("no spans here") }))
        for batch in batches { await shards.add(batch, now: .now) }
        await shards.flushAll()
        return collected
    }

    /// The live requests' dead-letter lines equal those of the same requests stored and read back.
    private func assertStoredLines<Payload: OpenTelemetryPayload>(_ live: [Payload], _ signal: OTLPSignal, count: Int) throws {
        XCTAssertEqual(live.count, 1)
        let request = try XCTUnwrap(live.first)
        let stored = try XCTUnwrap(OpenTelemetryRecord.read(OpenTelemetryRecord.make(request, lane: 0), compression: .gzip)).payload
        XCTAssertEqual(stored.eventCount, count)
        func lines(_ payload: some DeliveryPayload) throws -> [String] {
            var buffer = ByteBuffer()
            payload.writeEvents(into: &buffer)
            return try String(buffer: buffer).split(separator: "\n").map { try T.canonical(json: String($0)) }.sorted()
        }
        XCTAssertEqual(try lines(stored), try lines(request))
        XCTAssertEqual(try lines(stored).count, count)
    }
}

/// The requests collected from the shards.
private final class Collected: @unchecked Sendable {
    var logs: [OpenTelemetryGroupedPayload<OpenTelemetryLogLayout>] = []
    var metrics: [OpenTelemetryGroupedPayload<OpenTelemetryMetricLayout>] = []
}
