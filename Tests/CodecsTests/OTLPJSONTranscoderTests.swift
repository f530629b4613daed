import Codecs
import Foundation
import NIOCore
import XCTest

final class OTLPJSONTranscoderTests: XCTestCase {
    private let goldens: [(name: String, signal: OTLPSignal, json: String, protobuf: String)] = [
        ("trace", .traces, OTLPJSONGolden.traceJSON, OTLPJSONGolden.traceProtobuf),
        ("logs", .logs, OTLPJSONGolden.logsJSON, OTLPJSONGolden.logsProtobuf),
        ("metrics", .metrics, OTLPJSONGolden.metricsJSON, OTLPJSONGolden.metricsProtobuf),
    ]

    // MARK: Golden requests

    /// The JSON lists fields in field-number order, as the reference encoder writes them, so
    /// the transcoder (which keeps the JSON's order) must give the very same bytes.
    func testFullRequestsMatchTheReferenceEncodingByteForByte() throws {
        for golden in goldens {
            XCTAssertEqual(hex(try transcode(golden.json, golden.signal)), golden.protobuf, golden.name)
        }
    }

    func testFeatureCasesMatchTheReferenceEncoding() throws {
        for c in OTLPJSONGolden.cases {
            try assertSameMessage(try transcode(c.json, c.signal), bytes(hex: c.protobuf), c.signal, c.name)
        }
    }

    /// Each golden rewritten the ways OTLP/JSON allows (snake_case names, enums as integers,
    /// 64-bit integers as numbers, unknown fields in every object, keys reordered by a JSON
    /// round trip) still encodes the same message.
    func testAllowedSpellingsOfTheGoldensEncodeTheSameMessage() throws {
        let rewrites: [(String, (String, Any) -> (String, Any))] = [
            ("snake_case", { (snakeCase($0), $1) }),
            ("enum numbers", { key, value in (key, (value as? String).flatMap { enumNumbers[$0] } ?? value) }),
            ("int64 numbers", { key, value in (key, int64Keys.contains(key) ? numbers(value) : value) }),
            ("all", { key, value in
                (snakeCase(key), int64Keys.contains(key) ? numbers(value) : (value as? String).flatMap { enumNumbers[$0] } ?? value)
            }),
        ]
        for golden in goldens {
            for (name, rewrite) in rewrites {
                for unknown in [false, true] {
                    let json = try rewritten(golden.json, rewrite, addingUnknownFields: unknown)
                    try assertSameMessage(try transcode(json, golden.signal), bytes(hex: golden.protobuf), golden.signal,
                                          "\(golden.name), \(name), unknown fields: \(unknown)")
                }
            }
        }
    }

    func testStringsDecodeToValidUTF8() throws {
        let pairs = [
            (#"\ud800x"#, "\u{FFFD}x"),  // lone high surrogate
            (#"\ude00"#, "\u{FFFD}"),  // lone low surrogate
            (#"\ud83d\u0041"#, "\u{FFFD}A"),  // high surrogate before a non-surrogate
            (#"\uD83D\uDE00\u00e9\u0000"#, "😀é\u{0}"),
        ]
        for (escaped, decoded) in pairs {
            XCTAssertEqual(try severityText(Array(#"""#.utf8) + Array(escaped.utf8) + Array(#"""#.utf8)), Array(decoded.utf8), escaped)
        }
        let invalid: [[UInt8]] = [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80]]
        for bytes in invalid {
            let text = try severityText([0x22, 0x61] + bytes + [0x62, 0x22])
            let decoded = String(decoding: text, as: UTF8.self)
            XCTAssertTrue(decoded.unicodeScalars.contains("\u{FFFD}"), "\(bytes)")
            XCTAssertEqual(Array(decoded.utf8), text, "\(bytes) is written as valid UTF-8")
        }
        XCTAssertEqual(try severityText(Array(#""añ€😀""#.utf8)), Array("añ€😀".utf8), "valid UTF-8 passes through")
    }

    func testNestingWithinTheLimitIsTranscoded() throws {
        let levels = 18  // 3 containers a level plus 7 around the body: 61 of the 64 allowed
        let body = String(repeating: #"{"arrayValue":{"values":["#, count: levels) + #"{"intValue":"1"}"#
            + String(repeating: "]}}", count: levels)
        let out = try transcode(logWith(#""body":"# + body), .logs)
        XCTAssertEqual(out.suffix(2), [0x18, 0x01], "the innermost value is written")
    }

    // MARK: Errors

    func testErrorsSayWhatAndWhere() {
        let spans = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"#
        let end = "}]}]}]}"
        let cases: [(String, String)] = [
            ("", "invalid JSON at byte 0: unexpected end of input"),
            ("[]", "invalid JSON at byte 0: expected '{'"),
            (#"{"resourceSpans" []}"#, "invalid JSON at byte 17: expected ':'"),
            (#"{"resourceSpans":[] "x":1}"#, "invalid JSON at byte 20: expected ',' or '}'"),
            (#"{"resourceSpans":[],}"#, "invalid JSON at byte 20: expected a string key"),
            (#"{"resourceSpans":[]} {}"#, "invalid JSON at byte 21: unexpected data after the top-level object"),
            (#"{"x":tru}"#, "invalid JSON at byte 5: expected a value"),
            (#"{"x":01}"#, "invalid JSON at byte 6: expected ',' or '}'"),
            (#"{"x":"a\qb"}"#, "invalid JSON at byte 7: invalid escape in string"),
            (#"{"x":"\u12"}"#, "invalid JSON at byte 6: invalid escape in string"),
            ("{\"x\":\"a\nb\"}", "invalid JSON at byte 7: control character in string"),
            (#"{"resourceSpans":[}"#, "field resourceSpans: expected an object (at byte 18)"),
            (#"{"resourceSpans":{}}"#, "field resourceSpans: expected an array (at byte 17)"),
            (#"{"resourceSpans":[{"resource":"x"}]}"#, "field resource: expected an object (at byte 30)"),
            (spans + #""spanId":"zz"# + #"""# + end, "field spanId: expected 16 hex digits (at byte 53)"),
            (spans + #""spanId":"0102030405060"# + #"""# + end, "field spanId: expected 16 hex digits (at byte 53)"),
            (spans + #""traceId":"0102030405060708""# + end, "field traceId: expected 32 hex digits (at byte 54)"),
            (spans + #""name":5"# + end, "field name: expected a string (at byte 51)"),
            (spans + #""kind":"SPAN_KIND_BOGUS""# + end, "field kind: unknown enum value (at byte 51)"),
            (spans + #""kind":2147483648"# + end, "field kind: unknown enum value (at byte 51)"),
            (spans + #""droppedAttributesCount":-1"# + end, "field droppedAttributesCount: invalid or out-of-range integer (at byte 69)"),
            (spans + #""flags":4294967296"# + end, "field flags: invalid or out-of-range integer (at byte 52)"),
            (spans + #""startTimeUnixNano":"1.5""# + end, "field startTimeUnixNano: invalid or out-of-range integer (at byte 64)"),
            (spans + #""startTimeUnixNano":true"# + end, "field startTimeUnixNano: expected a number (at byte 64)"),
            (spans + #""attributes":[{"value":{"intValue":"9223372036854775808"}}]"# + end,
             "field intValue: invalid or out-of-range integer (at byte 79)"),
            (spans + #""attributes":[{"value":{"boolValue":"true"}}]"# + end, "field boolValue: expected true or false (at byte 80)"),
            (spans + #""attributes":[{"value":{"doubleValue":"nan"}}]"# + end, "field doubleValue: invalid number (at byte 82)"),
            (spans + #""attributes":[{"value":{"bytesValue":"A"}}]"# + end, "field bytesValue: invalid base64 (at byte 81)"),
            (spans + #""attributes":[{"value":{"bytesValue":"AQ="}}]"# + end, "field bytesValue: invalid base64 (at byte 81)"),
            (spans + #""attributes":[null]"# + end, "field attributes: expected an object (at byte 58)"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try transcode(json, .traces), json) { error in
                XCTAssertEqual("\(error)", message, json)
            }
        }
    }

    func testEveryCutOfEveryRequestThrows() {
        let requests = goldens.map { ($0.json, $0.signal) } + OTLPJSONGolden.cases.map { ($0.json, $0.signal) }
        for (json, signal) in requests {
            let bytes = Array(json.utf8)
            XCTAssertNoThrow(try transcode(bytes, signal))
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try transcode(Array(bytes[..<cut]), signal), "cut at \(cut) of \(bytes.count)")
            }
        }
    }

    /// Damaged bodies are an error or a message a protobuf reader can walk, never a crash.
    func testEveryByteDamagedGivesAnErrorOrReadableProtobuf() throws {
        let damage: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x30, 0x2D, 0x6E, 0x20, 0xFF, 0x00]
        for c in OTLPJSONGolden.cases {
            let bytes = Array(c.json.utf8)
            for position in bytes.indices {
                for byte in damage {
                    var damaged = bytes
                    damaged[position] = byte
                    guard let out = try? transcode(damaged, c.signal) else { continue }
                    XCTAssertNoThrow(try canonical(out, .request(of: c.signal)), "\(c.name): byte \(position) = \(byte)")
                }
            }
        }
    }

    func testNestingBombsAreRefused() {
        let depth = 100_000
        let unknown = "{\"x\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        XCTAssertThrowsError(try transcode(unknown, .logs)) { error in
            XCTAssertEqual("\(error)", "invalid JSON at byte 68: nesting deeper than 64 levels")
        }
        let values = String(repeating: #"{"arrayValue":{"values":["#, count: depth / 10)
        XCTAssertThrowsError(try transcode(logWith(#""body":"# + values), .logs)) { error in
            XCTAssertTrue("\(error)".hasSuffix("nesting deeper than 64 levels"), "\(error)")
        }
    }

    // MARK: Helpers

    private func transcode(_ json: String, _ signal: OTLPSignal) throws -> [UInt8] { try transcode(Array(json.utf8), signal) }

    private func transcode(_ json: [UInt8], _ signal: OTLPSignal) throws -> [UInt8] {
        let buffer = try json.withUnsafeBytes { raw throws(OTLPJSONError) in try OTLPJSONTranscoder.transcode(raw, signal: signal) }
        return Array(buffer.readableBytesView)
    }

    /// A logs request with one record whose members are `members`.
    private func logWith(_ members: String) -> String {
        #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"# + members + "}]}]}]}"
    }

    /// The severity_text written for a record whose JSON `severityText` value is `value`.
    private func severityText(_ value: [UInt8]) throws -> [UInt8] {
        let out = try transcode(Array(logWith(#""severityText":"#).utf8.dropLast(7)) + value + Array("}]}]}]}".utf8), .logs)
        guard case .message(let request) = try canonical(out, .exportLogsServiceRequest),
              case .message(let resource) = request.first?.value, case .message(let scope) = resource.first?.value,
              case .message(let record) = scope.first?.value, case .bytes(let text) = record.first?.value else {
            XCTFail("no severity_text in \(hex(out))")
            return []
        }
        return text
    }

    private func assertSameMessage(_ actual: [UInt8], _ expected: [UInt8], _ signal: OTLPSignal, _ what: String,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let message = OTLPJSONMessage.request(of: signal)
        XCTAssertEqual(try canonical(actual, message), try canonical(expected, message),
                       "\(what)\n got: \(hex(actual))\nwant: \(hex(expected))", file: file, line: line)
    }

    /// `json` parsed, each object's members passed through `rewrite` (and an unknown member
    /// holding every kind of JSON value added to it), and printed again.
    private func rewritten(_ json: String, _ rewrite: (String, Any) -> (String, Any), addingUnknownFields: Bool) throws -> String {
        func walk(_ value: Any) -> Any {
            if let array = value as? [Any] { return array.map(walk) }
            guard let object = value as? [String: Any] else { return value }
            var out: [String: Any] = [:]
            for (key, member) in object {
                let (newKey, newValue) = rewrite(key, walk(member))
                out[newKey] = newValue
            }
            if addingUnknownFields {
                out["zUnknown"] = ["s\u{e9}\"\\\n", -1.5e300, 0, true, false, NSNull(), ["traceId": "not hex", "a": [[]]], [:]] as [Any]
            }
            return out
        }
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: walk(object), options: [.withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Names of the fields that OTLP/JSON writes as decimal strings.
private let int64Keys: Set<String> = [
    "timeUnixNano", "startTimeUnixNano", "endTimeUnixNano", "observedTimeUnixNano", "intValue", "asInt",
    "count", "zeroCount", "bucketCounts",
]

private let enumNumbers: [String: Int] = [
    "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2,
    "SEVERITY_NUMBER_WARN2": 14, "SEVERITY_NUMBER_FATAL4": 24,
    "AGGREGATION_TEMPORALITY_DELTA": 1, "AGGREGATION_TEMPORALITY_CUMULATIVE": 2,
]

/// A decimal string (or an array of them) as JSON numbers.
private func numbers(_ value: Any) -> Any {
    if let array = value as? [Any] { return array.map(numbers) }
    guard let text = value as? String else { return value }
    if let v = Int64(text) { return NSNumber(value: v) }
    return UInt64(text).map { NSNumber(value: $0) } ?? value
}

private func snakeCase(_ name: String) -> String {
    name.reduce(into: "") { out, c in
        if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
    }
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

private func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = hex.utf8.makeIterator()
    while let high = chars.next(), let low = chars.next() {
        out.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
    }
    return out
}

/// A protobuf message decoded with the OTLP schema: fields in field-number order (a repeated
/// field's values keep theirs), packed fields one value per element, so two encodings of one
/// message compare equal whatever order their fields were written in.
private indirect enum Canonical: Equatable {
    case scalar(UInt64)
    case bytes([UInt8])
    case message([Field])

    struct Field: Equatable {
        let number: UInt32
        let value: Canonical
    }
}

private func canonical(_ bytes: [UInt8], _ message: OTLPJSONMessage) throws -> Canonical {
    try bytes.withUnsafeBytes { raw in try canonical(ProtobufReader(raw), message) }
}

private func canonical(_ reader: ProtobufReader, _ message: OTLPJSONMessage) throws -> Canonical {
    var reader = reader
    var fields: [Canonical.Field] = []
    while let field = try reader.next() {
        func add(_ value: Canonical) { fields.append(Canonical.Field(number: field.number, value: value)) }
        switch (field.value, message.fields.first { $0.number == field.number }?.type) {
        case (.varint(let v), _), (.fixed64(let v), _): add(.scalar(v))
        case (.fixed32(let v), _): add(.scalar(UInt64(v)))
        case (.bytes(let range), .message(let inner)?): add(try canonical(reader.reader(for: range), inner))
        case (.bytes(let range), let type?) where type.wireType == 0: try reader.forEachPackedVarint(range) { add(.scalar($0)) }
        case (.bytes(let range), let type?) where type.wireType == 1: try reader.forEachPackedFixed64(range) { add(.scalar($0)) }
        case (.bytes(let range), _): add(.bytes(Array(reader.slice(range))))
        }
    }
    let ordered = fields.enumerated().sorted { ($0.element.number, $0.offset) < ($1.element.number, $1.offset) }
    return .message(ordered.map(\.element))
}
