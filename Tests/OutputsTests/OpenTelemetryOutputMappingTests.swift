import Foundation
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// How log events and metric samples read as OTLP, as opentelemetry-proto parses what the
/// output sent (`Support/otlp_receiver.py`, as OTLP/JSON: enums as integers, ids in hex,
/// 64-bit integers as strings).
final class OpenTelemetryOutputMappingTests: XCTestCase {
    private typealias T = OpenTelemetryOutputTesting

    private func received(_ batches: [EventBatch], path: String) async throws -> (String, ComponentMetrics) {
        let directory = try temporaryDirectory(self).path
        let receiver = try await OTLPTestReceiver(self, directory: directory)
        let topology = try await T.topology(self, options: "endpoint: \"\(receiver.endpoint)\"\nconcurrency: 1", batches: batches,
                                            dataDirectory: directory)
        try await withTimeout(seconds: 30) { await topology.run() }
        let requests = try receiver.requests(path)
        XCTAssertEqual(requests.map(\.status), [200])
        return (try T.canonical(requests.first?.request ?? [:]), T.metrics(topology))
    }

    func testLogs() async throws {
        var batch = LogBatch()
        func text(_ i: Int, _ name: String, _ value: String) { batch.setField(i, FieldName(name), .bytes(batch.store(value))) }
        let first = batch.append(timestamp: T.epoch, message: "GET /a 200")
        text(first, "resource.service.name", "api")
        text(first, "resource.host.name", "h1")
        text(first, "scope.name", "lib")
        text(first, "scope.version", "1.2")
        text(first, "severity", "err")
        text(first, "trace_id", "5B8EFFF798038103D269B633813FC60C")
        text(first, "span_id", "eee19b7ec3c1b174")
        text(first, "event_name", "http.request")
        batch.setField(first, FieldName("flags"), .int(1))
        batch.setField(first, FieldName("http.status"), .int(200))
        batch.setField(first, FieldName("ratio"), .double(0.25))
        batch.setField(first, FieldName("cached"), .bool(false))
        text(first, "hostname", "web1")
        // Same resource, no scope: a numbered OTel severity, an explicit number, bytes that are not UTF-8.
        let second = [UInt8]([0x66, 0xFF]).withUnsafeBytes { batch.append(timestamp: T.epoch + 1, message: $0) }
        text(second, "resource.service.name", "api")
        text(second, "resource.host.name", "h1")
        text(second, "severity", "INFO2")
        batch.setField(second, FieldName("severity_number"), .int(11))
        batch.setField(second, FieldName("raw"), .bytes([UInt8]([0xC0, 0x80]).withUnsafeBytes { batch.store($0) }))
        // Another resource; ids that are not hex stay attributes; an empty message has no body.
        let third = batch.append(timestamp: T.epoch + 2, message: "")
        text(third, "resource.service.name", "db")
        text(third, "severity", "warning")
        text(third, "trace_id", "xyz")
        batch.setField(third, FieldName("flags"), .bytes(batch.store("odd")))
        let (request, metrics) = try await received([.logs(batch)], path: "/v1/logs")
        func string(_ key: String, _ value: String) -> String { #"{"key":"\#(key)","value":{"stringValue":"\#(value)"}}"# }
        XCTAssertEqual(request, try T.canonical(json: """
            {"resourceLogs": [
              {"resource": {"attributes": [\(string("service.name", "api")), \(string("host.name", "h1"))]},
               "scopeLogs": [
                 {"scope": {"name": "lib", "version": "1.2"},
                  "logRecords": [{"timeUnixNano": "\(T.epoch)", "observedTimeUnixNano": "\(T.epoch)",
                    "severityNumber": 17, "severityText": "err", "body": {"stringValue": "GET /a 200"},
                    "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                    "eventName": "http.request", "flags": 1,
                    "attributes": [{"key": "http.status", "value": {"intValue": "200"}},
                                   {"key": "ratio", "value": {"doubleValue": 0.25}},
                                   {"key": "cached", "value": {"boolValue": false}}, \(string("hostname", "web1"))]}]},
                 {"logRecords": [{"timeUnixNano": "\(T.epoch + 1)", "observedTimeUnixNano": "\(T.epoch + 1)",
                    "severityNumber": 11, "severityText": "INFO2", "body": {"bytesValue": "Zv8="},
                    "attributes": [{"key": "raw", "value": {"bytesValue": "wIA="}}]}]}]},
              {"resource": {"attributes": [\(string("service.name", "db"))]},
               "scopeLogs": [{"logRecords": [{"timeUnixNano": "\(T.epoch + 2)", "observedTimeUnixNano": "\(T.epoch + 2)",
                 "severityNumber": 13, "severityText": "warning",
                 "attributes": [\(string("trace_id", "xyz")), \(string("flags", "odd"))]}]}]}]}
            """))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 3)
    }

    func testMetrics() async throws {
        var batch = MetricBatch()
        let api = [("job", "api"), ("instance", "h:9090")]
        let time: Int64 = 1_795_975_200_000
        batch.append(name: "http_requests_total", labels: [("code", "200")] + api, value: 7, timestamp: time, kind: .counter)
        batch.append(name: "temperature", labels: api + [("room", "a")], value: 21.5, timestamp: time, kind: .gauge)
        batch.append(name: "latency_bucket", labels: api + [("le", "0.5")], value: 3, timestamp: time, kind: .histogram)
        batch.append(name: "latency_sum", labels: api, value: 1.25, timestamp: time, kind: .histogram)
        batch.append(name: "latency_count", labels: api, value: 4, timestamp: time, kind: .histogram)
        batch.append(name: "rpc", labels: api + [("quantile", "0.9")], value: 0.3, timestamp: time, kind: .summary)
        batch.append(name: "rpc_count", labels: api, value: 10, timestamp: time, kind: .summary)
        batch.append(name: "thing", value: 1, timestamp: time, kind: .untyped)
        batch.append(name: "up", labels: api, value: Double(bitPattern: 0x7ff0_0000_0000_0002), timestamp: time, kind: .gauge)
        batch.append(name: "temperature", labels: api + [("room", "b")], value: 19, timestamp: time + 1, kind: .gauge)
        let (request, metrics) = try await received([.metrics(batch)], path: "/v1/metrics")
        let ns = "\(time * 1_000_000)"
        func point(_ value: Double, _ labels: [(String, String)] = [], at: String? = nil) -> String {
            let attributes = labels.map { #"{"key":"\#($0.0)","value":{"stringValue":"\#($0.1)"}}"# }.joined(separator: ",")
            return #"{"timeUnixNano":"\#(at ?? ns)","asDouble":\#(value)"# + (labels.isEmpty ? "}" : #","attributes":[\#(attributes)]}"#)
        }
        func sum(_ name: String, _ points: String) -> String {
            #"{"name":"\#(name)","sum":{"dataPoints":[\#(points)],"aggregationTemporality":2,"isMonotonic":true}}"#
        }
        func gauge(_ name: String, _ points: String) -> String { #"{"name":"\#(name)","gauge":{"dataPoints":[\#(points)]}}"# }
        XCTAssertEqual(request, try T.canonical(json: """
            {"resourceMetrics": [
              {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}},
                                           {"key": "service.instance.id", "value": {"stringValue": "h:9090"}}]},
               "scopeMetrics": [{"metrics": [
                 \(sum("http_requests_total", point(7, [("code", "200")]))),
                 \(gauge("temperature", point(21.5, [("room", "a")]) + "," + point(19, [("room", "b")], at: "\((time + 1) * 1_000_000)"))),
                 \(sum("latency_bucket", point(3, [("le", "0.5")]))),
                 \(gauge("latency_sum", point(1.25))),
                 \(sum("latency_count", point(4))),
                 \(gauge("rpc", point(0.3, [("quantile", "0.9")]))),
                 \(sum("rpc_count", point(10))),
                 \(gauge("up", #"{"timeUnixNano":"\#(ns)","flags":1}"#))]}]},
              {"scopeMetrics": [{"metrics": [\(gauge("thing", point(1)))]}]}]}
            """))
        XCTAssertEqual(metrics.sentEvents.load(ordering: .relaxed), 10)
    }
}
