import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

final class FilterTransformTests: XCTestCase {
    /// e0..e4: string numbers, int, double and bool fields; e4 has no fields at all.
    private let events = logBatch([
        ("GET /api/users", [("status", .string("200")), ("path", .string("/api/users")), ("n", .int(5)), ("appname", .string("heroku"))]),
        ("GET /health", [("status", .string("503")), ("path", .string("/health")), ("n", .int(500)), ("ratio", .double(0.5))]),
        ("POST /login", [("status", .string("abc")), ("path", .string("/login")), ("n", .int(-3)), ("ok", .bool(true))]),
        ("bare", [("status", .string("500.5")), ("ok", .bool(false)), ("ratio", .double(2))]),
        ("nothing", []),
    ])

    /// The filter built from a flow-style `condition`.
    private func filter(_ condition: String, file: StaticString = #filePath, line: UInt = #line) throws -> FilterTransform {
        let outcome = loadTransform("filter", "condition: \(condition)")
        guard let config = outcome.config else {
            XCTFail(outcome.errors.map(\.description).joined(separator: "\n"), file: file, line: line)
            throw PipectlError("no config")
        }
        let c = try XCTUnwrap(config.component("f")?.config as? FilterTransformConfig)
        return FilterTransform(condition: try XCTUnwrap(c.condition))
    }

    /// Messages of the events of `batch` that `condition` keeps.
    private func kept(_ condition: String, _ batch: LogBatch? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        var stage = try filter(condition, file: file, line: line)
        let out = transform(&stage, .logs(batch ?? events))
        guard let first = out.first else { return [] }
        guard case .logs(let logs) = first, out.count == 1 else { XCTFail("one log batch expected"); return [] }
        return logs.messages
    }

    private let e0 = "GET /api/users", e1 = "GET /health", e2 = "POST /login", e3 = "bare", e4 = "nothing"

    func testEquals() throws {
        XCTAssertEqual(try kept("{ field: status, equals: \"503\" }"), [e1])
        XCTAssertEqual(try kept("{ field: appname, equals: heroku }"), [e0])
        XCTAssertEqual(try kept("{ field: message, equals: bare }"), [e3])
        XCTAssertEqual(try kept("{ field: n, equals: 500 }"), [e1], "an int field compares as its decimal text")
        XCTAssertEqual(try kept("{ field: n, equals: -3 }"), [e2])
        XCTAssertEqual(try kept("{ field: ratio, equals: 0.5 }"), [e1])
        XCTAssertEqual(try kept("{ field: ratio, equals: 2 }"), [e3])
        XCTAssertEqual(try kept("{ field: status, equals: \"20\" }"), [], "no prefix match")
    }

    func testEqualsOnBoolFields() throws {
        XCTAssertEqual(try kept("{ field: ok, equals: true }"), [e2])
        XCTAssertEqual(try kept("{ field: ok, equals: false }"), [e3])
        XCTAssertEqual(try kept("{ field: ok, in: [true, yes] }"), [e2])
        XCTAssertEqual(try kept("{ field: ok, gte: 1 }"), [e2], "comparisons take true as 1")
    }

    func testNotEquals() throws {
        XCTAssertEqual(try kept("{ field: status, not_equals: \"200\" }"), [e1, e2, e3, e4], "absent counts as not equal")
        XCTAssertEqual(try kept("{ field: n, not_equals: 5 }"), [e1, e2, e3, e4])
    }

    func testIn() throws {
        XCTAssertEqual(try kept("{ field: status, in: [\"200\", \"503\", \"404\"] }"), [e0, e1])
        XCTAssertEqual(try kept("{ field: n, in: [5, -3] }"), [e0, e2])
        XCTAssertEqual(try kept("{ field: status, in: \"abc\" }"), [e2], "a single string is a list of one")
        XCTAssertEqual(try kept("{ field: status, in: [] }"), [])
    }

    func testContainsStartsWithEndsWith() throws {
        XCTAssertEqual(try kept("{ field: path, contains: api }"), [e0])
        XCTAssertEqual(try kept("{ field: message, contains: \"/\" }"), [e0, e1, e2])
        XCTAssertEqual(try kept("{ field: path, starts_with: /h }"), [e1])
        XCTAssertEqual(try kept("{ field: path, ends_with: users }"), [e0])
        XCTAssertEqual(try kept("{ field: path, ends_with: /api/users/x }"), [], "longer than the value")
        XCTAssertEqual(try kept("{ field: path, contains: \"\" }"), [e0, e1, e2], "empty needle matches present fields")
        XCTAssertEqual(try kept("{ field: n, starts_with: \"50\" }"), [e1])
        XCTAssertEqual(try kept("{ field: message, starts_with: GET }"), [e0, e1])
    }

    func testExists() throws {
        XCTAssertEqual(try kept("{ field: ratio, exists: true }"), [e1, e3])
        XCTAssertEqual(try kept("{ field: ratio, exists: false }"), [e0, e2, e4])
        XCTAssertEqual(try kept("{ field: status, exists: true }"), [e0, e1, e2, e3])
        XCTAssertEqual(try kept("{ field: message, exists: true }"), [e0, e1, e2, e3, e4])
        XCTAssertEqual(try kept("{ field: nope, exists: false }"), [e0, e1, e2, e3, e4])
    }

    func testComparisonsOnStringNumbers() throws {
        XCTAssertEqual(try kept("{ field: status, gt: 500 }"), [e1, e3])
        XCTAssertEqual(try kept("{ field: status, gte: 500 }"), [e1, e3])
        XCTAssertEqual(try kept("{ field: status, gte: 503 }"), [e1])
        XCTAssertEqual(try kept("{ field: status, lt: 500 }"), [e0], "non-numbers never compare")
        XCTAssertEqual(try kept("{ field: status, lte: 200 }"), [e0])
        XCTAssertEqual(try kept("{ field: status, gt: 500.4 }"), [e1, e3])
    }

    func testComparisonsOnNumericFields() throws {
        XCTAssertEqual(try kept("{ field: n, gt: 5 }"), [e1])
        XCTAssertEqual(try kept("{ field: n, gte: 5 }"), [e0, e1])
        XCTAssertEqual(try kept("{ field: n, lt: 0 }"), [e2])
        XCTAssertEqual(try kept("{ field: n, lte: 5 }"), [e0, e2])
        XCTAssertEqual(try kept("{ field: ratio, lt: 1 }"), [e1])
        XCTAssertEqual(try kept("{ field: ratio, gte: 0.5 }"), [e1, e3])
    }

    func testAbsentFieldSemantics() throws {
        for op in ["equals: x", "in: [x]", "contains: x", "starts_with: x", "ends_with: x", "gt: 0", "gte: 0", "lt: 0",
                   "lte: 0", "exists: true"] {
            XCTAssertEqual(try kept("{ field: missing, \(op) }"), [], op)
        }
        for op in ["not_equals: x", "exists: false"] {
            XCTAssertEqual(try kept("{ field: missing, \(op) }"), [e0, e1, e2, e3, e4], op)
        }
        XCTAssertEqual(try kept("{ not: { field: missing, equals: x } }"), [e0, e1, e2, e3, e4])
    }

    func testAllAnyNot() throws {
        XCTAssertEqual(try kept("{ all: [ { field: status, gte: 500 }, { field: path, starts_with: /h } ] }"), [e1])
        XCTAssertEqual(try kept("{ any: [ { field: status, equals: \"200\" }, { field: ok, exists: true } ] }"), [e0, e2, e3])
        XCTAssertEqual(try kept("{ not: { field: path, starts_with: /health } }"), [e0, e2, e3, e4])
        XCTAssertEqual(try kept("{ all: [ { any: [ { field: n, lt: 0 }, { field: n, gt: 100 } ] }, { not: { field: ratio, exists: true } } ] }"),
                       [e2])
        XCTAssertEqual(try kept("{ all: [] }"), [e0, e1, e2, e3, e4], "all of nothing holds")
        XCTAssertEqual(try kept("{ any: [] }"), [], "any of nothing fails")
        XCTAssertEqual(try kept("{ not: { not: { field: appname, exists: true } } }"), [e0])
    }

    func testLogFieldsNamedLikeMetricTargets() throws {
        let batch = logBatch([("a", [("name", .string("alice")), ("value", .int(3)), ("kind", .string("user"))]), ("b", [])])
        XCTAssertEqual(try kept("{ field: name, equals: alice }", batch), ["a"])
        XCTAssertEqual(try kept("{ field: value, gt: 2 }", batch), ["a"])
        XCTAssertEqual(try kept("{ field: kind, equals: user }", batch), ["a"])
        XCTAssertEqual(try kept("{ field: name, exists: false }", batch), ["b"])
    }

    func testEmptyResultEmitsNothingAndBatchOrderIsKept() throws {
        var stage = try filter("{ field: status, equals: nope }")
        XCTAssertEqual(transform(&stage, .logs(events)).count, 0, "empty batches are not sent on")
        var keepAll = try filter("{ field: message, exists: true }")
        guard case .logs(let logs)? = transform(&keepAll, .logs(events)).first else { return XCTFail() }
        XCTAssertEqual(records(logs), records(events), "kept events keep their fields and order")
    }

    // MARK: Metrics

    private var metrics: MetricBatch {
        var m = MetricBatch()
        m.append(name: "http_requests_total", labels: [("code", "200"), ("path", "/")], value: 10, timestamp: 1, kind: .counter)
        m.append(name: "http_requests_total", labels: [("code", "500")], value: 2, timestamp: 1, kind: .counter)
        m.append(name: "temperature", labels: [("room", "a")], value: 21.5, timestamp: 1, kind: .gauge)
        m.append(name: "latency_sum", value: 0.25, timestamp: 1, kind: .summary)
        return m
    }

    private func keptMetrics(_ condition: String) throws -> [String] {
        var stage = try filter(condition)
        guard let first = transform(&stage, .metrics(metrics)).first else { return [] }
        guard case .metrics(let m) = first else { XCTFail("metrics expected"); return [] }
        return (0..<m.count).map { i -> String in
            let labels: [String] = m.labelPairs(i).map { "\($0.0)=\($0.1)" }
            return "\(m.name(i)){\(labels.joined(separator: ","))}"
        }
    }

    func testMetricTargets() throws {
        let ok = "http_requests_total{code=200,path=/}", err = "http_requests_total{code=500}"
        let temp = "temperature{room=a}", lat = "latency_sum{}"
        XCTAssertEqual(try keptMetrics("{ field: name, equals: temperature }"), [temp])
        XCTAssertEqual(try keptMetrics("{ field: name, starts_with: http_ }"), [ok, err])
        XCTAssertEqual(try keptMetrics("{ field: value, gt: 5 }"), [ok, temp])
        XCTAssertEqual(try keptMetrics("{ field: value, lte: 2 }"), [err, lat])
        XCTAssertEqual(try keptMetrics("{ field: value, equals: 21.5 }"), [temp])
        XCTAssertEqual(try keptMetrics("{ field: kind, equals: counter }"), [ok, err])
        XCTAssertEqual(try keptMetrics("{ field: kind, in: [gauge, summary] }"), [temp, lat])
        XCTAssertEqual(try keptMetrics("{ field: labels.code, equals: \"500\" }"), [err])
        XCTAssertEqual(try keptMetrics("{ field: labels.code, gte: 200 }"), [ok, err])
        XCTAssertEqual(try keptMetrics("{ field: labels.path, exists: true }"), [ok])
        XCTAssertEqual(try keptMetrics("{ field: labels.path, exists: false }"), [err, temp, lat])
        XCTAssertEqual(try keptMetrics("{ field: labels.code, not_equals: \"200\" }"), [err, temp, lat])
        XCTAssertEqual(try keptMetrics("{ all: [ { field: name, contains: requests }, { not: { field: labels.code, equals: \"200\" } } ] }"),
                       [err])
    }

    func testLogTargetsOnMetricsAreAbsent() throws {
        XCTAssertEqual(try keptMetrics("{ field: status, equals: x }"), [])
        XCTAssertEqual(try keptMetrics("{ field: message, exists: true }"), [])
        XCTAssertEqual(try keptMetrics("{ field: status, exists: false }").count, 4)
        XCTAssertEqual(try keptMetrics("{ field: status, not_equals: x }").count, 4)
    }
}
