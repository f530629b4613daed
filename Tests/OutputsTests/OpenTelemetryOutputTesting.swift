import Codecs
import Foundation
import Logging
import NIOCore
@testable import Outputs
import Pipeline
import PipelineTesting
import XCTest

/// Events, vectors and pipelines for the opentelemetry output's tests.
enum OpenTelemetryOutputTesting {
    /// 2026-11-29T18:00:00Z in nanoseconds.
    static let epoch: Int64 = 1_795_975_200_000_000_000

    /// An `ExportTraceServiceRequest` made by opentelemetry-proto 1.45 (Python): 2 resources
    /// (`service.name` svc0, svc1, each with `host.name` and a schema URL), 3 scopes, 7 spans
    /// with attributes of each type, an event each, a link on span 2 and an error status on span 3.
    static let traceRequest = """
        0af6050a2b0a160a0c736572766963652e6e616d6512060a04737663300a110a09686f73742e6e616d6512040a02683012f3030a0c0a056c\
        696230301203312e30128e010a1001010101010101010101010101010101120801010101010101012a036f7030300239004069cded95ec18\
        41602380cded95ec184a140a0b687474702e6d6574686f6412050a034745544a070a016e120218004a080a026f6b120210014a120a057261\
        74696f120921000000000000e03f5a18090a4069cded95ec1812036576301a080a017812030a01797a001298010a10010101010101010101\
        0101010101010112080202020202020202220801010101010101012a036f7031300139e84369cded95ec1841482780cded95ec184a140a0b\
        687474702e6d6574686f6412050a034745544a070a016e120218014a080a026f6b120210014a120a05726174696f120921000000000000e0\
        3f5a1809f24369cded95ec1812036576311a080a017812030a01797a0012b6010a1001010101010101010101010101010101120803030303\
        03030303220802020202020202022a036f7032300139d04769cded95ec1841302b80cded95ec184a140a0b687474702e6d6574686f641205\
        0a034745544a070a016e120218024a080a026f6b120210014a120a05726174696f120921000000000000e03f5a1809da4769cded95ec1812\
        036576321a080a017812030a01796a1c0a1009090909090909090909090909090909120808080808080808087a0012a7010a0c0a056c6962\
        30311203312e311296010a1001010101010101010101010101010101120804040404040404042a036f7033300239b84b69cded95ec184118\
        2f80cded95ec184a140a0b687474702e6d6574686f6412050a034745544a070a016e120218034a080a026f6b120210014a120a0572617469\
        6f120921000000000000e03f5a1809c24b69cded95ec1812036576331a080a017812030a01797a081204626f6f6d18021a2768747470733a\
        2f2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32312e300aae040a2b0a160a0c736572766963652e6e616d651206\
        0a04737663310a110a09686f73742e6e616d6512040a02683112d5030a0c0a056c696231301203312e30128e010a10020202020202020202\
        02020202020202120805050505050505052a036f7034300239a04f69cded95ec1841003380cded95ec184a140a0b687474702e6d6574686f\
        6412050a034745544a070a016e120218044a080a026f6b120210014a120a05726174696f120921000000000000e03f5a1809aa4f69cded95\
        ec1812036576341a080a017812030a01797a001298010a100202020202020202020202020202020212080606060606060606220805050505\
        050505052a036f7035300139885369cded95ec1841e83680cded95ec184a140a0b687474702e6d6574686f6412050a034745544a070a016e\
        120218054a080a026f6b120210014a120a05726174696f120921000000000000e03f5a1809925369cded95ec1812036576351a080a017812\
        030a01797a001298010a100202020202020202020202020202020212080707070707070707220806060606060606062a036f703630013970\
        5769cded95ec1841d03a80cded95ec184a140a0b687474702e6d6574686f6412050a034745544a070a016e120218064a080a026f6b120210\
        014a120a05726174696f120921000000000000e03f5a18097a5769cded95ec1812036576361a080a017812030a01797a001a276874747073\
        3a2f2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32312e30
        """
    static let traceSpans = 7

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    /// A span batch of `request` (counted by `OTLPTraceScanner`).
    static func spanBatch(_ request: [UInt8]) throws -> SpanBatch {
        let (resources, spans) = try request.withUnsafeBytes { try OTLPTraceScanner.scan($0) }
        return SpanBatch(request: ByteBuffer(bytes: request), resources: resources, spans: spans)
    }

    /// Each span of `request` with its resource and scope, as hex: what must arrive unchanged.
    static func spans(_ request: [UInt8]) throws -> [String] {
        var spans: [String] = []
        try request.withUnsafeBytes { bytes in
            try OTLPSpanReader.forEachSpan(bytes) { span in
                spans.append([span.resource, span.scope, span.span].map { hex(bytes[$0]) }.joined(separator: "/"))
            }
        }
        return spans
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// `value` as JSON with sorted keys, to compare structures.
    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `text` (JSON) with sorted keys.
    static func canonical(json text: String) throws -> String {
        try canonical(JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    /// A loaded, prepared `static → opentelemetry(out)` pipeline over `batches`, logging into `logs`.
    static func topology(_ test: XCTestCase, options: String, batches: [EventBatch], dataDirectory: String,
                         logs: LogCapture = LogCapture()) async throws -> Topology {
        let components = TestComponents()
        components.provide("src", .input(StaticInput(batches)))
        let registry = ComponentRegistry(components.registry.types + [OpenTelemetryOutputConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            data_dir: "\(dataDirectory)"
            shutdown_timeout: 30s
            inputs:
              src: { type: static }
            outputs:
              out:
                type: opentelemetry
                inputs: [src]
                retry: { initial_backoff: 10ms, max_backoff: 100ms }
            \(options.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """, file: "test.yaml", registry: registry)
        guard let config = outcome.config else {
            throw PipectlError("pipeline does not load:\n" + outcome.errors.map(\.description).joined(separator: "\n"))
        }
        let topology = try Topology(config: config, logger: logs.logger(level: .warning))
        try await topology.prepare()
        return topology
    }

    static func metrics(_ topology: Topology) -> ComponentMetrics {
        topology.telemetry.entries.first { $0.id == "out" }!.metrics
    }

    static func errors(_ metrics: ComponentMetrics, _ kind: String) -> Int {
        metrics.errorCounts.first { $0.0 == kind }?.1 ?? 0
    }

    static func dropped(_ metrics: ComponentMetrics, _ reason: String) -> Int {
        metrics.dropCounts.first { $0.0 == reason }?.1 ?? 0
    }

    /// The lines of the dead-letter file of output `out`.
    static func deadLetters(_ dataDirectory: String) -> [String] {
        let text = (try? String(contentsOfFile: dataDirectory + "/dead_letter/out.ndjson", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// `count` log events `m<i>` of resource `service.name: api`, in one batch.
    static func logBatch(_ range: Range<Int>) -> EventBatch {
        var batch = LogBatch()
        for id in range {
            let i = batch.append(timestamp: epoch + Int64(id) * 1000, message: "m\(id)")
            batch.setField(i, FieldName("resource.service.name"), .bytes(batch.store("api")))
        }
        return .logs(batch)
    }

    /// `count` gauge samples `otel_disk{job="test",series="<i>"} = i` at `epoch`, in one batch.
    static func metricBatch(_ range: Range<Int>) -> EventBatch {
        var batch = MetricBatch(capacity: range.count)
        for i in range {
            batch.append(name: "otel_disk", labels: [("job", "test"), ("series", String(i))], value: Double(i),
                         timestamp: epoch / 1_000_000, kind: .gauge)
        }
        return .metrics(batch)
    }

    /// The `message` of every log record the receiver accepted (answered 200), in the order received.
    static func logMessages(_ receiver: OTLPTestReceiver) throws -> [String] {
        try receiver.requests("/v1/logs", status: 200).flatMap { request in
            (request.request?["resourceLogs"] as? [[String: Any]] ?? []).flatMap { resource in
                (resource["scopeLogs"] as? [[String: Any]] ?? []).flatMap { $0["logRecords"] as? [[String: Any]] ?? [] }
            }.map { ($0["body"] as? [String: Any])?["stringValue"] as? String ?? "" }
        }
    }

    /// Every data point the receiver accepted, as `name{key=value,…}=value` (attributes in
    /// wire order), in the order received.
    static func dataPoints(_ receiver: OTLPTestReceiver) throws -> [String] {
        try receiver.requests("/v1/metrics", status: 200).flatMap { request in
            (request.request?["resourceMetrics"] as? [[String: Any]] ?? []).flatMap { resource in
                (resource["scopeMetrics"] as? [[String: Any]] ?? []).flatMap { $0["metrics"] as? [[String: Any]] ?? [] }
            }.flatMap { metric in
                let data = (metric["gauge"] ?? metric["sum"]) as? [String: Any]
                return (data?["dataPoints"] as? [[String: Any]] ?? []).map { point in
                    let labels = (point["attributes"] as? [[String: Any]] ?? []).map {
                        "\($0["key"] as? String ?? "")=\(($0["value"] as? [String: Any])?["stringValue"] as? String ?? "")"
                    }
                    return "\(metric["name"] as? String ?? ""){\(labels.joined(separator: ","))}=\(point["asDouble"] as? Double ?? .nan)"
                }
            }
        }
    }

    /// Every span the receiver accepted (as `spans(_:)`), in the order received.
    static func receivedSpans(_ receiver: OTLPTestReceiver) throws -> [String] {
        try receiver.requests("/v1/traces", status: 200).flatMap { try spans($0.body ?? []) }
    }
}
