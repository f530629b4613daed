import Codecs
import NIOCore
@testable import Outputs
import Pipeline
import XCTest

final class RemoteWriteEncoderTests: XCTestCase {
    /// Encodes every sample of `batches` as one request, as a shard would.
    private func encode(_ batches: [MetricBatch]) -> (protobuf: [UInt8], payload: RemoteWritePayload) {
        var entries: [RemoteWriteEntry] = []
        for (b, batch) in batches.enumerated() {
            RemoteWriteSeries.withArena(batch) { arena in
                for i in 0..<batch.count {
                    let id = RemoteWriteSeries.identity(i, arena)
                    entries.append(RemoteWriteEntry(hash: id.hash, timestamp: batch.records[i].timestamp, batch: UInt32(b), index: UInt32(i)))
                }
            }
        }
        entries.sort(by: RemoteWriteEntry.seriesOrder)
        var encoder = RemoteWriteEncoder()
        let protobuf = Array(buffer: encoder.encode(entries[...], of: batches))
        return (protobuf, RemoteWritePayload(batches: batches, entries: entries[...], encoder: &encoder))
    }

    func testGoldenBytesOfAOneSeriesRequest() throws {
        var batch = MetricBatch()
        batch.append(name: "up", labels: [("job", "node")], value: 0.5, timestamp: 2000, kind: .gauge)
        batch.append(name: "up", labels: [("job", "node")], value: 1, timestamp: 1000, kind: .gauge)
        let expected: [UInt8] = [
            0x0A, 0x39,                                         // timeseries, 57 bytes
            0x0A, 0x0E,                                         //   label, 14 bytes
            0x0A, 0x08, 0x5F, 0x5F, 0x6E, 0x61, 0x6D, 0x65, 0x5F, 0x5F,  // name "__name__"
            0x12, 0x02, 0x75, 0x70,                             //     value "up"
            0x0A, 0x0B,                                         //   label, 11 bytes
            0x0A, 0x03, 0x6A, 0x6F, 0x62,                       //     name "job"
            0x12, 0x04, 0x6E, 0x6F, 0x64, 0x65,                 //     value "node"
            0x12, 0x0C,                                         //   sample, 12 bytes (timestamp 1000 first)
            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,  // value 1.0
            0x10, 0xE8, 0x07,                                   //     timestamp 1000
            0x12, 0x0C,                                         //   sample, 12 bytes
            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xE0, 0x3F,  // value 0.5
            0x10, 0xD0, 0x0F,                                   //     timestamp 2000
        ]
        let (protobuf, payload) = encode([batch])
        XCTAssertEqual(protobuf, expected)
        XCTAssertEqual(payload.size, expected.count)
        let decoded = try XCTUnwrap(Snappy.uncompress(payload.body))
        XCTAssertEqual(Array(buffer: decoded), expected, "the body is the snappy block of exactly these bytes")
    }

    func testDecodesToCanonicalSeries() throws {
        var batch = MetricBatch()
        batch.append(name: "http_requests_total", labels: [("path", "/"), ("code", "200"), ("Zone", "eu"), ("empty", "")],
                     value: 10, timestamp: 1_700_000_000_000, kind: .counter)
        batch.append(name: "dup", labels: [("a", "first"), ("b", "x"), ("a", "second"), ("__name__", "ignored")],
                     value: -1.5, timestamp: 5, kind: .gauge)
        batch.append(name: "stale", value: Double(bitPattern: 0x7FF0_0000_0000_0002), timestamp: 6, kind: .gauge)
        let series = try WriteRequestDecoder.decode(encode([batch]).protobuf)
        XCTAssertEqual(Set(series.map(\.text)), [
            #"{Zone="eu",__name__="http_requests_total",code="200",path="/"} 10@1700000000000"#,
            #"{__name__="dup",a="second",b="x"} -1.5@5"#,
            #"{__name__="stale"} NaN(0x7ff0000000000002)@6"#,
        ], "sorted bytewise (uppercase before _), empty values dropped, the last of a repeated name kept")
    }

    func testGroupsASeriesAcrossBatchesInTimestampOrder() throws {
        var first = MetricBatch(), second = MetricBatch()
        first.append(name: "m", labels: [("a", "1"), ("b", "2")], value: 3, timestamp: 30, kind: .gauge)
        first.append(name: "other", value: 1, timestamp: 10, kind: .gauge)
        second.append(name: "m", labels: [("b", "2"), ("a", "1")], value: 1, timestamp: 10, kind: .gauge)
        second.append(name: "m", labels: [("a", "1"), ("b", "2")], value: 2, timestamp: 20, kind: .gauge)
        let series = try WriteRequestDecoder.decode(encode([first, second]).protobuf)
        XCTAssertEqual(series.count, 2, "one TimeSeries per series, whatever the label order")
        let m = try XCTUnwrap(series.first { $0.labels.contains { $0.value == "m" } })
        XCTAssertEqual(m.samples.map(\.timestamp), [10, 20, 30])
        XCTAssertEqual(m.samples.map(\.value), [1, 2, 3])
    }

    func testCollidingHashesNeverMergeTwoSeries() throws {
        var first = MetricBatch(), second = MetricBatch()
        first.append(name: "m", labels: [("a", "1")], value: 1, timestamp: 1, kind: .gauge)
        first.append(name: "m", labels: [("a", "2")], value: 2, timestamp: 2, kind: .gauge)
        second.append(name: "m", labels: [("a", "1"), ("b", "")], value: 3, timestamp: 3, kind: .gauge)
        second.append(name: "m", labels: [("a", "2")], value: 4, timestamp: 4, kind: .gauge)
        // Every entry gets the same hash, as if 64 bits had collided.
        let entries = [RemoteWriteEntry(hash: 42, timestamp: 1, batch: 0, index: 0), RemoteWriteEntry(hash: 42, timestamp: 2, batch: 0, index: 1),
                       RemoteWriteEntry(hash: 42, timestamp: 3, batch: 1, index: 0), RemoteWriteEntry(hash: 42, timestamp: 4, batch: 1, index: 1)]
        var encoder = RemoteWriteEncoder()
        let series = try WriteRequestDecoder.decode(Array(buffer: encoder.encode(entries[...], of: [first, second])))
        XCTAssertEqual(series.map(\.text), [#"{__name__="m",a="1"} 1@1"#, #"{__name__="m",a="2"} 2@2"#,
                                             #"{__name__="m",a="1"} 3@3"#, #"{__name__="m",a="2"} 4@4"#],
                       "a run ends where the labels differ, so series never mix (order kept)")
    }

    func testZeroFieldsAreOmittedAsProto3Does() throws {
        var batch = MetricBatch()
        batch.append(name: "z", value: 0, timestamp: 0, kind: .gauge)
        batch.append(name: "n", value: -0.0, timestamp: -1, kind: .gauge)
        let (protobuf, _) = encode([batch])
        let series = try WriteRequestDecoder.decode(protobuf)
        XCTAssertEqual(Set(series.map(\.text)), [#"{__name__="z"} 0@0"#, #"{__name__="n"} -0.0@-1"#])
        let zero = [0x0A, 0x11, 0x0A, 0x0D, 0x0A, 0x08] + Array("__name__".utf8) + [0x12, 0x01, 0x7A, 0x12, 0x00] as [UInt8]
        XCTAssertNotNil(protobuf.firstRange(of: zero), "value 0 at time 0 is an empty Sample message")
    }

    func testSnappyRoundTripOfALargeRequest() throws {
        var batch = MetricBatch(capacity: 5000)
        for i in 0..<5000 {
            batch.append(name: "node_cpu_seconds_total", labels: [("cpu", String(i % 64)), ("mode", "idle"), ("instance", "host-\(i / 64)")],
                         value: Double(i) * 1.25, timestamp: 1_700_000_000_000 + Int64(i), kind: .counter)
        }
        let (protobuf, payload) = encode([batch])
        let body = payload.body
        XCTAssertLessThan(body.readableBytes, protobuf.count / 3, "repeated labels compress well")
        XCTAssertEqual(Array(buffer: try XCTUnwrap(Snappy.uncompress(body))), protobuf)
        let series = try WriteRequestDecoder.decode(protobuf)
        XCTAssertEqual(series.count, 5000)
        XCTAssertEqual(series.reduce(0) { $0 + $1.samples.count }, 5000)
    }

    func testSplitHalvesDecodeToTheWholeInOrder() throws {
        var batch = MetricBatch()
        for t in 0..<5 { batch.append(name: "m", labels: [("s", "a")], value: Double(t), timestamp: Int64(t + 1), kind: .gauge) }
        let (_, payload) = encode([batch])
        let (first, second) = try XCTUnwrap(payload.split())
        XCTAssertEqual(first.eventCount + second.eventCount, 5)
        let samples = try [first, second].flatMap { half in
            try WriteRequestDecoder.decode(Array(buffer: XCTUnwrap(Snappy.uncompress(half.body)))).flatMap(\.samples)
        }
        XCTAssertEqual(samples.map(\.timestamp), [1, 2, 3, 4, 5], "the first half holds the earlier samples")
        var encoder = RemoteWriteEncoder()
        XCTAssertNil(RemoteWritePayload(batches: [batch], entries: payload.entries.prefix(1), encoder: &encoder).split(),
                     "one sample cannot be split")
    }

    /// The items a per-item answer names, re-encoded in request order.
    func testSubsetEncodesTheChosenSamplesInOrder() throws {
        var batch = MetricBatch()
        for t in 0..<5 { batch.append(name: "m", labels: [("s", "a")], value: Double(t), timestamp: Int64(t + 1), kind: .gauge) }
        let (_, payload) = encode([batch])
        let subset = payload.subset([1, 3, 4])
        XCTAssertEqual(subset.eventCount, 3)
        let samples = try WriteRequestDecoder.decode(Array(buffer: XCTUnwrap(Snappy.uncompress(subset.body)))).flatMap(\.samples)
        XCTAssertEqual(samples.map(\.timestamp), [2, 4, 5])
    }

    func testDeadLetterLinesUseTheEventEncoderInArrivalOrder() {
        var batch = MetricBatch()
        batch.append(name: "b", labels: [("x", "1")], value: 2, timestamp: 2000, kind: .counter)
        batch.append(name: "a", value: 1, timestamp: 1000, kind: .gauge)
        var buffer = ByteBuffer()
        encode([batch]).payload.writeEvents(into: &buffer)
        XCTAssertEqual(String(buffer: buffer), """
            {"timestamp":"1970-01-01T00:00:02.000000000Z","name":"b","labels":{"x":"1"},"kind":"counter","value":2}
            {"timestamp":"1970-01-01T00:00:01.000000000Z","name":"a","labels":{},"kind":"gauge","value":1}

            """)
    }
}

// MARK: - A tiny protobuf reader for WriteRequest

/// A decoded `TimeSeries`.
struct DecodedSeries: Equatable {
    struct Label: Equatable {
        var name: String
        var value: String
    }

    struct Sample: Equatable {
        var value: Double
        var timestamp: Int64
    }

    var labels: [Label] = []
    var samples: [Sample] = []

    /// `{a="1",b="2"} v@ts v@ts` for assertions.
    var text: String {
        let labelText = labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
        let sampleText = samples.map { s -> String in
            let v = s.value.isNaN ? "NaN(0x\(String(s.value.bitPattern, radix: 16)))" : (s.value == s.value.rounded() && s.value.sign == .plus ? String(Int64(s.value)) : "\(s.value)")
            return "\(v)@\(s.timestamp)"
        }.joined(separator: " ")
        return "{\(labelText)} \(sampleText)"
    }

    /// The labels as `name=value` pairs joined, a key for maps.
    var key: String { labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",") }
}

/// Decodes a `WriteRequest` strictly: unknown fields or wire types are errors.
enum WriteRequestDecoder {
    struct Malformed: Error, CustomStringConvertible { let description: String }

    static func decode(_ bytes: [UInt8]) throws -> [DecodedSeries] {
        var reader = Reader(data: bytes[...])
        var series: [DecodedSeries] = []
        while let (field, wire) = try reader.tag() {
            guard field == 1, wire == 2 else { throw Malformed(description: "WriteRequest: unexpected field \(field)/\(wire)") }
            series.append(try decodeSeries(reader.lengthDelimited()))
        }
        return series
    }

    private static func decodeSeries(_ bytes: ArraySlice<UInt8>) throws -> DecodedSeries {
        var reader = Reader(data: bytes)
        var series = DecodedSeries()
        while let (field, wire) = try reader.tag() {
            switch (field, wire) {
            case (1, 2):
                var label = Reader(data: try reader.lengthDelimited())
                var decoded = DecodedSeries.Label(name: "", value: "")
                while let (f, w) = try label.tag() {
                    guard w == 2, f == 1 || f == 2 else { throw Malformed(description: "Label: unexpected field \(f)/\(w)") }
                    let text = String(decoding: try label.lengthDelimited(), as: UTF8.self)
                    if f == 1 { decoded.name = text } else { decoded.value = text }
                }
                series.labels.append(decoded)
            case (2, 2):
                var sample = Reader(data: try reader.lengthDelimited())
                var decoded = DecodedSeries.Sample(value: 0, timestamp: 0)
                while let (f, w) = try sample.tag() {
                    switch (f, w) {
                    case (1, 1): decoded.value = Double(bitPattern: try sample.fixed64())
                    case (2, 0): decoded.timestamp = Int64(bitPattern: try sample.varint())
                    default: throw Malformed(description: "Sample: unexpected field \(f)/\(w)")
                    }
                }
                series.samples.append(decoded)
            default:
                throw Malformed(description: "TimeSeries: unexpected field \(field)/\(wire)")
            }
        }
        return series
    }

    private struct Reader {
        var data: ArraySlice<UInt8>

        mutating func tag() throws -> (Int, Int)? {
            guard !data.isEmpty else { return nil }
            let key = try varint()
            return (Int(key >> 3), Int(key & 7))
        }

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            for shift in stride(from: 0, to: 70, by: 7) {
                guard let byte = data.popFirst() else { throw Malformed(description: "truncated varint") }
                guard shift < 64 else { throw Malformed(description: "varint too long") }
                result |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte < 0x80 { return result }
            }
            throw Malformed(description: "varint too long")
        }

        mutating func fixed64() throws -> UInt64 {
            guard data.count >= 8 else { throw Malformed(description: "truncated fixed64") }
            let value = data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            data = data.dropFirst(8)
            return value
        }

        mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
            let length = Int(try varint())
            guard data.count >= length else { throw Malformed(description: "length \(length) beyond the message") }
            defer { data = data.dropFirst(length) }
            return data.prefix(length)
        }
    }
}
