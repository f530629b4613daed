import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

final class LogfmtTransformTests: XCTestCase {
    private let router = "at=info method=GET path=\"/api/users\" host=demo.herokuapp.com"
        + " request_id=8601b555-6a83-4c12-8269-97c8533705c5 fwd=\"10.1.2.3\" dyno=web.1 connect=1ms"
        + " service=23ms status=200 bytes=1234 protocol=https"
    private let timeout = "at=error code=H12 desc=\"Request timeout\" method=GET path=\"/\" host=demo.herokuapp.com"
        + " request_id=abc-1 fwd=\"10.0.0.1\" dyno=web.2 connect= service=30000ms status=503 bytes=0 protocol=https"

    /// Parses `messages` (fields optional) with a logfmt transform on `field`.
    private func parse(_ events: [(message: String, fields: [(String, FieldLiteral)])], field: String = "message") -> LogBatch {
        var stage = LogfmtTransform(field: FieldName(field))
        let out = transform(&stage, .logs(logBatch(events)))
        guard out.count == 1, case .logs(let logs) = out[0] else {
            XCTFail("expected one log batch, got \(out.count)")
            return LogBatch()
        }
        return logs
    }

    private func parse(_ message: String) -> LogBatch { parse([(message, [])]) }

    func testHerokuRouterLine() {
        let logs = parse(router)
        XCTAssertEqual(records(logs), [[
            "message": .string(router),
            "at": .string("info"), "method": .string("GET"), "path": .string("/api/users"),
            "host": .string("demo.herokuapp.com"), "request_id": .string("8601b555-6a83-4c12-8269-97c8533705c5"),
            "fwd": .string("10.1.2.3"), "dyno": .string("web.1"), "connect": .string("1ms"),
            "service": .string("23ms"), "status": .string("200"), "bytes": .string("1234"), "protocol": .string("https"),
        ]])
        XCTAssertEqual(fieldNames(logs, 0), ["at", "method", "path", "host", "request_id", "fwd", "dyno", "connect",
                                             "service", "status", "bytes", "protocol"])
        XCTAssertEqual(logs.message(0), router, "the message is kept")
    }

    func testHerokuTimeoutLineWithEmptyConnect() {
        let logs = parse(timeout)
        let r = records(logs)[0]
        XCTAssertEqual(r["code"], .string("H12"))
        XCTAssertEqual(r["desc"], .string("Request timeout"))
        XCTAssertEqual(r["connect"], .string(""), "empty connect= is an empty value")
        XCTAssertEqual(r["service"], .string("30000ms"), "the empty value does not swallow the next pair")
        XCTAssertEqual(r["status"], .string("503"))
        XCTAssertEqual(fieldNames(logs, 0).count, 14)
    }

    func testEveryEventOfABatchIsParsed() {
        let logs = parse([(router, []), ("a=1", []), (timeout, []), ("", [])])
        XCTAssertEqual(logs.count, 4)
        let all = records(logs)
        XCTAssertEqual(all[0]["status"], .string("200"))
        XCTAssertEqual(all[1], ["message": .string("a=1"), "a": .string("1")])
        XCTAssertEqual(all[2]["status"], .string("503"))
        XCTAssertEqual(all[3], ["message": .string("")])
    }

    func testQuotedValuesAndEscapes() {
        let logs = parse(#"msg="say \"hi\" to \\ them" path="/a b" empty="" tab="a\tb" after=1"#)
        let r = records(logs)[0]
        XCTAssertEqual(r["msg"], .string(#"say "hi" to \ them"#))
        XCTAssertEqual(r["path"], .string("/a b"))
        XCTAssertEqual(r["empty"], .string(""))
        XCTAssertEqual(r["tab"], .string("a\tb"))
        XCTAssertEqual(r["after"], .string("1"))
    }

    func testUnterminatedQuoteRunsToTheEnd() {
        let r = records(parse(#"a=1 b="no end"#))[0]
        XCTAssertEqual(r["a"], .string("1"))
        XCTAssertEqual(r["b"], .string("no end"))
    }

    func testBareKeysAndEmptyKeys() {
        let r = records(parse("flag key=v =orphan  spaced=1"))[0]
        XCTAssertEqual(r["flag"], .string(""), "a key without = has an empty value")
        XCTAssertEqual(r["key"], .string("v"))
        XCTAssertEqual(r["spaced"], .string("1"))
        XCTAssertEqual(r.count, 4, "the pair with an empty key is skipped: \(r)")
    }

    func testKnownKeysMapToKnownFields() {
        let logs = parse("appname=web source=web.1 app=shop hostname=h1 custom=x")
        XCTAssertEqual(logs.field(0, .appname).map(logs.literal), .string("web"))
        XCTAssertEqual(logs.field(0, .source).map(logs.literal), .string("web.1"))
        XCTAssertEqual(logs.field(0, .app).map(logs.literal), .string("shop"))
        XCTAssertEqual(logs.field(0, .hostname).map(logs.literal), .string("h1"))
        var keys: [FieldKey] = []
        logs.forEachField(0) { key, _ in keys.append(key) }
        XCTAssertEqual(Array(keys.prefix(4)), [.known(.appname), .known(.source), .known(.app), .known(.hostname)])
        guard case .custom = keys[4] else { return XCTFail("custom key expected, got \(keys[4])") }
    }

    func testKnownKeyReplacesAnExistingField() {
        let logs = parse([("appname=override status=1", [("appname", .string("heroku")), ("procid", .string("router"))])])
        XCTAssertEqual(logs.field(0, .appname).map(logs.literal), .string("override"))
        XCTAssertEqual(fieldNames(logs, 0), ["appname", "procid", "status"])
    }

    func testDuplicateKeyLastWins() {
        let logs = parse("a=1 b=2 a=3 appname=x appname=\"y z\"")
        XCTAssertEqual(records(logs)[0], ["message": .string("a=1 b=2 a=3 appname=x appname=\"y z\""),
                                          "a": .string("3"), "b": .string("2"), "appname": .string("y z")])
        XCTAssertEqual(fieldNames(logs, 0), ["a", "b", "appname"], "one field per key")
    }

    func testDuplicateKeyAlreadyOnTheEventLastWins() {
        let logs = parse([("custom=new", [("custom", .string("old"))])])
        XCTAssertEqual(records(logs)[0]["custom"], .string("new"))
        XCTAssertEqual(fieldNames(logs, 0), ["custom"])
    }

    func testFieldOptionParsesAFieldInsteadOfTheMessage() {
        let logs = parse([("x=should-not-parse", [("raw", .string(#"a=1 b="two words" c=\"q\""#))])], field: "raw")
        let r = records(logs)[0]
        XCTAssertEqual(r["a"], .string("1"))
        XCTAssertEqual(r["b"], .string("two words"))
        XCTAssertEqual(r["c"], .string(#"\"q\""#), "escapes only resolve inside quotes")
        XCTAssertNil(r["x"], "the message is not parsed")
        XCTAssertEqual(r["raw"], .string(#"a=1 b="two words" c=\"q\""#), "the source field is kept")
    }

    func testFieldOptionWithAbsentOrNonTextFieldLeavesTheEvent() {
        let logs = parse([("a=1", []), ("a=1", [("raw", .int(5))])], field: "raw")
        XCTAssertEqual(records(logs), [["message": .string("a=1")], ["message": .string("a=1"), "raw": .int(5)]])
    }

    func testFieldOptionOnAKnownField() {
        let logs = parse([("m", [("structured_data", .string("k=v"))])], field: "structured_data")
        XCTAssertEqual(records(logs)[0]["k"], .string("v"))
    }

    func testTheInputBatchIsNotModified() {
        let original = logBatch([("a=1 b=2", [])])
        var stage = LogfmtTransform(field: FieldName("message"))
        let out = transform(&stage, .logs(original))
        XCTAssertEqual(fieldNames(original, 0), [], "copy on write: another holder of the batch sees no change")
        guard case .logs(let parsed) = out[0] else { return XCTFail() }
        XCTAssertEqual(fieldNames(parsed, 0), ["a", "b"])
    }

    func testMetricBatchesPassThrough() {
        var metrics = MetricBatch()
        metrics.append(name: "m", value: 1, timestamp: 0, kind: .gauge)
        var stage = LogfmtTransform(field: FieldName("message"))
        let out = transform(&stage, .metrics(metrics))
        XCTAssertEqual(out.count, 1)
        XCTAssertEqual(out.first?.kind, .metric)
    }

    func testConfig() throws {
        let outcome = loadTransform("logfmt", "field: raw")
        let config = try XCTUnwrap(outcome.config, outcome.errors.description)
        XCTAssertEqual((config.component("f")?.config as? LogfmtTransformConfig)?.field, FieldName("raw"))
        let plain = try XCTUnwrap(loadTransform("logfmt", "").config)
        XCTAssertEqual((plain.component("f")?.config as? LogfmtTransformConfig)?.field, FieldName("message"))

        let typo = loadTransform("logfmt", "feild: raw")
        XCTAssertEqual(typo.errors.map(\.description),
                       ["t.yaml:7:5: transforms.f.feild: unknown option 'feild'; did you mean 'field'? (allowed: buffer, field, inputs, type)"])
    }

    func testLogfmtAcceptsOnlyLogs() {
        let outcome = ConfigLoader.load(text: """
            inputs:
              m: { type: metric_source }
            transforms:
              f: { type: logfmt, inputs: [m] }
            outputs:
              out: { type: capture, inputs: [f] }
            """, file: "k.yaml", registry: transformsRegistry)
        XCTAssertEqual(outcome.errors.map(\.description),
                       ["k.yaml:4:30: transforms.f.inputs: 'm' (metric_source) produces metrics but logfmt 'f' accepts only logs"])
    }
}
