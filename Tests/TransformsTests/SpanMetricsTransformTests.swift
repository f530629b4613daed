import Atomics
import Codecs
import Logging
import NIOCore
import Pipeline
import PipelineTesting
@testable import Transforms
import XCTest

/// `span_metrics`: RED metrics per label set, cumulative across flushes, spans passed on
/// byte for byte, series capped and expired.
final class SpanMetricsTransformTests: XCTestCase {
    /// One span of a test request.
    struct TestSpan {
        var service = "checkout"
        var name = "GET /cart"
        var kind: UInt64 = 2
        var status: UInt64 = 0
        var milliseconds: UInt64 = 30
        var attributes: [(String, String)] = []
        var resourceAttributes: [(String, String)] = []
        /// Adds an attribute whose `KeyValue` does not decode (a varint where the key goes).
        var malformedAttribute = false
    }

    /// An `ExportTraceServiceRequest` with one resource per span.
    static func request(_ spans: [TestSpan]) -> SpanBatch {
        var w = ProtobufWriter()
        for (i, s) in spans.enumerated() {
            w.messageField(1) { rs in
                rs.messageField(1) { resource in
                    for (k, v) in [("service.name", s.service)] + s.resourceAttributes { attribute(&resource, 1, k, v) }
                }
                rs.messageField(2) { ss in
                    ss.messageField(2) { span in
                        [UInt8](repeating: 0xAB, count: 16).withUnsafeBytes { span.bytesField(1, $0) }
                        [UInt8]([0, 0, 0, 0, 0, 0, 1, UInt8(i % 250 + 1)]).withUnsafeBytes { span.bytesField(2, $0) }
                        span.stringField(5, s.name)
                        span.varintField(6, s.kind)
                        span.fixed64Field(7, 1_000_000_000)
                        span.fixed64Field(8, 1_000_000_000 + s.milliseconds * 1_000_000)
                        for (k, v) in s.attributes { attribute(&span, 9, k, v) }
                        if s.malformedAttribute { span.messageField(9) { kv in kv.varintField(1, 7) } }
                        if s.status != 0 { span.messageField(15) { status in status.varintField(3, s.status) } }
                    }
                }
            }
        }
        return SpanBatch(request: w.buffer, resources: spans.count, spans: spans.count)
    }

    private static func attribute(_ w: inout ProtobufWriter, _ field: UInt32, _ key: String, _ value: String) {
        w.messageField(field) { kv in
            kv.stringField(1, key)
            kv.messageField(2) { any in any.stringField(1, value) }
        }
    }

    /// A stage from `options`, its metrics and the clock (Unix ns) the test moves.
    private func make(_ options: String) throws -> (SpanMetricsTransform, ComponentMetrics, ManagedAtomic<Int64>) {
        let registry = ComponentRegistry(TestComponents().registry.types + [SpanMetricsTransformConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: span_source }
            transforms:
              red: { type: span_metrics, inputs: [src]\(options.isEmpty ? "" : ", " + options) }
            outputs:
              out: { type: capture, inputs: [red.metrics] }
            """, file: "t.yaml", registry: registry)
        let config = try XCTUnwrap(outcome.config?.component("red")?.config as? SpanMetricsTransformConfig, "\(outcome.errors)")
        let metrics = ComponentMetrics(id: "red"), now = ManagedAtomic<Int64>(1_000_000_000_000)
        let log = RateLimitedLogger(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return (config.makeTransform(metrics: metrics, log: log, clock: { now.load(ordering: .relaxed) }), metrics, now)
    }

    /// The samples of the metric batches emitted on port 1, as `name{labels} value` lines, sorted.
    private func samples(_ output: TransformOutput) -> [String] {
        output.batches.filter { $0.port == 1 }.flatMap { entry -> [String] in
            guard case .metrics(let m) = entry.batch else { return [] }
            return (0..<m.count).map { i in
                "\(m.name(i)){\(m.labelPairs(i).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ","))} \(m.records[i].value)"
            }
        }.sorted()
    }

    func testCountsCallsAndLatencyPerLabelSetAndPassesTheSpansUnchanged() throws {
        var (stage, _, now) = try make("dimensions: [http.method, deployment.environment], buckets: [0.01, 0.1], flush_interval: 5s")
        let spans = Self.request([
            // Exactly on a bound: Prometheus buckets are `le`, so it counts in le="0.01".
            TestSpan(milliseconds: 10, attributes: [("http.method", "GET")], resourceAttributes: [("deployment.environment", "prod")]),
            TestSpan(milliseconds: 50, attributes: [("http.method", "GET")], resourceAttributes: [("deployment.environment", "prod")]),
            TestSpan(name: "SELECT", kind: 3, status: 2, milliseconds: 500),
        ])
        var output = TransformOutput()
        stage.process(.spans(spans), into: &output)
        XCTAssertEqual(output.batches.count, 1)
        guard case .spans(let passed) = output.batches[0].batch else { return XCTFail("the spans pass on") }
        XCTAssertEqual(output.batches[0].port, 0)
        XCTAssertEqual(passed.withBytes { Array($0) }, spans.withBytes { Array($0) })

        output.removeAll()
        stage.tick(now: now.load(ordering: .relaxed) + 4_000_000_000, into: &output)
        XCTAssertEqual(samples(output), [], "nothing before flush_interval")
        stage.tick(now: now.load(ordering: .relaxed) + 5_000_000_000, into: &output)
        let get = "deployment_environment=\"prod\",http_method=\"GET\",service=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"GET /cart\",status_code=\"STATUS_CODE_UNSET\""
        let select = "service=\"checkout\",span_kind=\"SPAN_KIND_CLIENT\",span_name=\"SELECT\",status_code=\"STATUS_CODE_ERROR\""
        XCTAssertEqual(samples(output), [
            "traces_spanmetrics_calls_total{\(get)} 2.0",
            "traces_spanmetrics_calls_total{\(select)} 1.0",
            "traces_spanmetrics_latency_bucket{\(get.replacingOccurrences(of: ",service", with: ",le=\"+Inf\",service"))} 2.0",
            "traces_spanmetrics_latency_bucket{\(get.replacingOccurrences(of: ",service", with: ",le=\"0.01\",service"))} 1.0",
            "traces_spanmetrics_latency_bucket{\(get.replacingOccurrences(of: ",service", with: ",le=\"0.1\",service"))} 2.0",
            "traces_spanmetrics_latency_bucket{le=\"+Inf\",\(select)} 1.0",
            "traces_spanmetrics_latency_bucket{le=\"0.01\",\(select)} 0.0",
            "traces_spanmetrics_latency_bucket{le=\"0.1\",\(select)} 0.0",
            "traces_spanmetrics_latency_count{\(get)} 2.0",
            "traces_spanmetrics_latency_count{\(select)} 1.0",
            "traces_spanmetrics_latency_sum{\(get)} \(0.01 + 0.05)",
            "traces_spanmetrics_latency_sum{\(select)} 0.5",
        ])

        // Cumulative: the next flush adds to what was counted.
        output.removeAll()
        stage.process(.spans(Self.request([TestSpan(name: "SELECT", kind: 3, status: 2, milliseconds: 5)])), into: &output)
        output.removeAll()
        stage.finish(into: &output)
        XCTAssertTrue(samples(output).contains("traces_spanmetrics_calls_total{\(select)} 2.0"), "\(samples(output))")
    }

    func testLabelSetsOverMaxSeriesCountInTheOverflowSeries() throws {
        var (stage, metrics, _) = try make("max_series: 2")
        var output = TransformOutput()
        stage.process(.spans(Self.request(["a", "b", "c", "d", "a"].map { TestSpan(name: $0) })), into: &output)
        output.removeAll()
        stage.finish(into: &output)
        let calls = samples(output).filter { $0.hasPrefix("traces_spanmetrics_calls_total") }
        XCTAssertEqual(calls, [
            "traces_spanmetrics_calls_total{cardinality_overflow=\"true\"} 2.0",
            "traces_spanmetrics_calls_total{service=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"a\",status_code=\"STATUS_CODE_UNSET\"} 2.0",
            "traces_spanmetrics_calls_total{service=\"checkout\",span_kind=\"SPAN_KIND_SERVER\",span_name=\"b\",status_code=\"STATUS_CODE_UNSET\"} 1.0",
        ])
        XCTAssertEqual(metrics.errorCounter("series_overflow").load(ordering: .relaxed), 2)
    }

    func testASpanWithUnreadableAttributesIsSkippedAndTheOthersCounted() throws {
        var (stage, metrics, _) = try make("dimensions: [http.method]")
        var output = TransformOutput()
        let spans = [TestSpan(), TestSpan(malformedAttribute: true), TestSpan()]
        stage.process(.spans(Self.request(spans)), into: &output)
        XCTAssertEqual(output.batches.first?.batch.count, 3, "the batch passes on whole")
        output.removeAll()
        stage.finish(into: &output)
        XCTAssertTrue(samples(output).contains { $0.hasPrefix("traces_spanmetrics_calls_total{") && $0.hasSuffix(" 2.0") }, "\(samples(output))")
        XCTAssertEqual(metrics.errorCounter("malformed_spans").load(ordering: .relaxed), 1)
    }

    func testSeriesWithoutSpansForSeriesExpiryAreForgotten() throws {
        var (stage, _, now) = try make("series_expiry: 60s, flush_interval: 1s")
        var output = TransformOutput()
        stage.process(.spans(Self.request([TestSpan(name: "old")])), into: &output)
        now.wrappingIncrement(by: 61_000_000_000, ordering: .relaxed)
        stage.process(.spans(Self.request([TestSpan(name: "new")])), into: &output)
        output.removeAll()
        stage.tick(now: now.load(ordering: .relaxed), into: &output)
        XCTAssertTrue(samples(output).allSatisfy { !$0.contains("span_name=\"old\"") }, "\(samples(output))")
        XCTAssertTrue(samples(output).contains { $0.contains("span_name=\"new\"") })
    }

    func testBadOptionsAreRefusedWithTheirPosition() {
        let registry = ComponentRegistry(TestComponents().registry.types + [SpanMetricsTransformConfig.componentType])
        let outcome = ConfigLoader.load(text: """
            inputs:
              src: { type: span_source }
            transforms:
              red: { type: span_metrics, inputs: [src], dimensions: [http.method, http_method, ""], namespace: "9x", buckets: [1, 0.5] }
            outputs:
              out: { type: capture, inputs: [red.metrics] }
            """, file: "t.yaml", registry: registry)
        XCTAssertEqual(outcome.errors.map(\.description), [
            "t.yaml:4:71: transforms.red.dimensions[1]: 'http_method' would be label 'http_method', which is already used",
            "t.yaml:4:84: transforms.red.dimensions[2]: an attribute key cannot be empty",
            "t.yaml:4:100: transforms.red.namespace: '9x' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)",
            "t.yaml:4:115: transforms.red.buckets: bucket bounds must be strictly increasing, got 1 then 0.5",
        ])
    }
}
