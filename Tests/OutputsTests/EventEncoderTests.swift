import Foundation
import NIOCore
import Pipeline
import XCTest

/// Golden lines of `EventEncoder` (shared by the `file` and `stdout` outputs).
final class EventEncoderTests: XCTestCase {
    private let ts: Int64 = 1_700_000_000_123_456_789  // 2023-11-14T22:13:20.123456789Z

    private func encode(_ batch: EventBatch, _ encoding: EventEncoder.Encoding) -> String {
        var buffer = ByteBuffer()
        EventEncoder(encoding: encoding).encode(batch, into: &buffer)
        return String(buffer: buffer)
    }

    func testLogWithEveryFieldValueType() {
        var batch = LogBatch()
        let i = batch.append(timestamp: ts, message: "hello")
        batch.appendField(i, .known(.appname), .bytes(batch.store("web")))
        batch.appendField(i, .known(.structuredData), .bytes(batch.store("")))
        batch.setField(i, FieldName("count"), .int(42))
        batch.setField(i, FieldName("delta"), .int(-7))
        batch.setField(i, FieldName("ratio"), .double(1.5))
        batch.setField(i, FieldName("whole"), .double(2))
        batch.setField(i, FieldName("big"), .double(1e20))
        batch.setField(i, FieldName("nan"), .double(.nan))
        batch.setField(i, FieldName("inf"), .double(-.infinity))
        batch.setField(i, FieldName("ok"), .bool(true))
        batch.setField(i, FieldName("failed"), .bool(false))
        batch.setField(i, FieldName("min"), .int(.min))
        XCTAssertEqual(encode(.logs(batch), .json),
                       #"{"timestamp":"2023-11-14T22:13:20.123456789Z","message":"hello","appname":"web","structured_data":"","#
                       + #""count":42,"delta":-7,"ratio":1.5,"whole":2,"big":1e+20,"nan":"NaN","inf":"-Inf","ok":true,"failed":false,"#
                       + #""min":-9223372036854775808}"# + "\n")
    }

    func testLogEscaping() {
        var batch = LogBatch()
        let i = batch.append(timestamp: 0, message: "say \"hi\"\n\ttab\\ é \u{01}\r")
        batch.setField(i, FieldName("we\"ird\\key"), .bytes(batch.store("line1\nline2")))
        batch.setField(i, FieldName("ctl"), .bytes(batch.store("\u{1f}\u{7f}")))
        XCTAssertEqual(encode(.logs(batch), .json),
                       #"{"timestamp":"1970-01-01T00:00:00.000000000Z","message":"say \"hi\"\n\ttab\\ é \u0001\r","#
                       + #""we\"ird\\key":"line1\nline2","ctl":"\u001f"# + "\u{7f}\"}\n")
        // Every line is valid JSON that reads back to the original strings.
        let line = encode(.logs(batch), .json)
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        XCTAssertEqual(object?["message"] as? String, "say \"hi\"\n\ttab\\ é \u{01}\r")
        XCTAssertEqual(object?["we\"ird\\key"] as? String, "line1\nline2")
    }

    func testSeveralLogsAreSeveralLines() {
        var batch = LogBatch()
        batch.append(timestamp: ts, message: "one")
        batch.append(timestamp: ts + 1, message: "two")
        XCTAssertEqual(encode(.logs(batch), .json),
                       #"{"timestamp":"2023-11-14T22:13:20.123456789Z","message":"one"}"# + "\n"
                       + #"{"timestamp":"2023-11-14T22:13:20.123456790Z","message":"two"}"# + "\n")
        XCTAssertEqual(encode(.logs(batch), .text), "one\ntwo\n")
    }

    func testTextLogIsTheBareMessage() {
        var batch = LogBatch()
        let i = batch.append(timestamp: ts, message: "at=info path=\"/\" é")
        batch.setField(i, FieldName("ignored"), .int(1))
        batch.append(timestamp: ts, message: "")
        XCTAssertEqual(encode(.logs(batch), .text), "at=info path=\"/\" é\n\n")
    }

    func testMetricJSON() {
        var batch = MetricBatch()
        batch.append(name: "http_requests_total", labels: [("code", "200"), ("path", "/a\"b")], value: 10,
                     timestamp: 1_700_000_000_123, kind: .counter)
        batch.append(name: "temperature", value: 21.25, timestamp: 0, kind: .gauge)
        batch.append(name: "latency", labels: [("quantile", "0.99")], value: .infinity, timestamp: 0, kind: .summary)
        batch.append(name: "h_bucket", labels: [("le", "+Inf")], value: 3, timestamp: 0, kind: .histogram)
        XCTAssertEqual(encode(.metrics(batch), .json), [
            #"{"timestamp":"2023-11-14T22:13:20.123000000Z","name":"http_requests_total","labels":{"code":"200","path":"/a\"b"},"kind":"counter","value":10}"#,
            #"{"timestamp":"1970-01-01T00:00:00.000000000Z","name":"temperature","labels":{},"kind":"gauge","value":21.25}"#,
            #"{"timestamp":"1970-01-01T00:00:00.000000000Z","name":"latency","labels":{"quantile":"0.99"},"kind":"summary","value":"+Inf"}"#,
            #"{"timestamp":"1970-01-01T00:00:00.000000000Z","name":"h_bucket","labels":{"le":"+Inf"},"kind":"histogram","value":3}"#,
        ].map { $0 + "\n" }.joined())
    }

    func testMetricText() {
        var batch = MetricBatch()
        batch.append(name: "http_requests_total", labels: [("code", "200"), ("path", "/a\"b\\c\nd")], value: 10,
                     timestamp: 0, kind: .counter)
        batch.append(name: "ratio", labels: [("x", "y")], value: 0.25, timestamp: 0, kind: .gauge)
        batch.append(name: "nan", labels: [("x", "y")], value: .nan, timestamp: 0, kind: .gauge)
        XCTAssertEqual(encode(.metrics(batch), .text),
                       "http_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} 10\nratio{x=\"y\"} 0.25\nnan{x=\"y\"} NaN\n")
    }

    func testEncodeAppendsToTheBuffer() {
        var batch = LogBatch()
        batch.append(timestamp: 0, message: "m")
        var buffer = ByteBuffer(string: "existing\n")
        EventEncoder(encoding: .text).encode(.logs(batch), into: &buffer)
        XCTAssertEqual(String(buffer: buffer), "existing\nm\n")
    }
}
