import Codecs
@testable import Inputs
import Pipeline
import XCTest

/// OTLP metrics → Prometheus samples. Requests are `ExportMetricsServiceRequest`s serialised
/// by the Python `opentelemetry-proto` package (the builder is described above each vector);
/// T is 1700000000000000000 ns, every request arrives at `receivedAt` (ms 1800000000000).
final class OTLPMetricsDecoderTests: XCTestCase {
    private let receivedAt: Int64 = 1_800_000_000_000_000_000

    /// Resource service.name=api, service.namespace=shop, service.instance.id=i-1,
    /// host.name=h1, k8s.pod.name=p; scope meter 0.1. Gauge cpu.utilization unit 1: 0.5 at T
    /// {state=idle, cpu="0"}, int -3 at time 0 {cpu=1}. Monotonic cumulative sum
    /// http.server.requests unit {requests}: int 10 at T+5ms {a_b="1", a.b="2", job="mine",
    /// 2xx=true, blank=""}. Non-monotonic sum queue.size unit By: 7.5. Monotonic sum gc.pause
    /// unit ms: 1.25. Gauge temp unit Cel: 20 with flags 1 (no recorded value).
    static let gauges = """
        0ae2030a7a0a150a0c736572766963652e6e616d6512050a036170690a1b0a11736572766963652e6e616d65737061636512060a0473686f700a1c0a\
        13736572766963652e696e7374616e63652e696412050a03692d310a110a09686f73742e6e616d6512040a0268310a130a0c6b38732e706f642e6e61\
        6d6512030a017012e3020a0c0a056d657465721203302e31125d0a0f6370752e7574696c697a6174696f6e1a01312a470a2f1900002a36fe9c971721\
        000000000000e03f3a0f0a05737461746512060a0469646c653a0a0a0363707512030a01300a1431fdffffffffffffff3a090a036370751202180112\
        7b0a14687474702e7365727665722e72657175657374731a0a7b72657175657374737d3a570a5119404b7636fe9c9717310a000000000000003a0a0a\
        03615f6212030a01313a0a0a03612e6212030a01323a0d0a036a6f6212060a046d696e653a090a03327878120210013a0b0a05626c616e6b12020a00\
        1002180112280a0a71756575652e73697a651a0242793a160a121900002a36fe9c9717210000000000001e40100212280a0867632e70617573651a02\
        6d733a180a121900002a36fe9c971721000000000000f43f1002180112230a0474656d701a0343656c2a160a141900002a36fe9c9717210000000000\
        0034404001
        """

    /// Resource service.name=api. Histogram http.server.duration unit s: count 15, sum 12.5,
    /// bounds [0.005, 0.5, 1, 2.5], counts [1,2,3,4,5], {route=/a, le=x}; count 3 alone.
    /// Exponential histogram latency unit ms: scale 0, zero_count 1, positive offset 0 [2,3],
    /// negative offset 0 [1], count 7, sum 10; scale 1, zero_threshold 0.5, positive offset -1
    /// [1,1], count 2. Summary rpc.duration unit s: count 100, sum 12, 0.5→0.1, 0.99→0.9
    /// {quantile=q}; count 1, sum 2, flags 1.
    static let histograms = """
        0acb030a170a150a0c736572766963652e6e616d6512050a0361706912af0312b6010a14687474702e7365727665722e6475726174696f6e1a01734a\
        9a010a81011900002a36fe9c9717210f000000000000002900000000000029403228010000000000000002000000000000000300000000000000040000\
        000000000005000000000000003a207b14ae47e17a743f000000000000e03f000000000000f03f00000000000004404a0d0a05726f75746512040a022f\
        614a090a026c6512030a01780a121900002a36fe9c9717210300000000000000100212690a076c6174656e63791a026d73525a0a2f1900002a36fe9c\
        97172107000000000000002900000000000024403901000000000000004204120202034a031201010a251900002a36fe9c9717210200000000000000\
        3002420608011202010171000000000000e03f10021288010a0c7270632e6475726174696f6e1a01735a750a541900002a36fe9c9717216400000000\
        000000290000000000002840321209000000000000e03f119a9999999999b93f321209ae47e17a14aeef3f11cdccccccccccec3f3a0f0a087175616e\
        74696c6512030a01710a1d1900002a36fe9c97172101000000000000002900000000000000404001
        """

    /// Resource service.name=worker. Delta monotonic sum jobs.done: int 3 {q=a}; delta
    /// non-monotonic sum inflight: 5; delta histogram size unit By: bounds [1], counts [1,2],
    /// count 3, sum 1.5.
    static let delta0 = """
        0abd010a1a0a180a0c736572766963652e6e616d6512080a06776f726b6572129e01122f0a096a6f62732e646f6e653a220a1c1900002a36fe9c9717\
        3103000000000000003a080a017112030a01611001180112220a08696e666c696768743a160a121900002a36fe9c9717210000000000001440100112\
        470a0473697a651a0242794a3b0a371900002a36fe9c971721030000000000000029000000000000f83f321001000000000000000200000000000000\
        3a08000000000000f03f1001
        """

    /// As `delta0`, one nanosecond later: jobs.done 4, inflight -2, size counts [0,1], count 1, sum 2.
    static let delta1 = """
        0abd010a1a0a180a0c736572766963652e6e616d6512080a06776f726b6572129e01122f0a096a6f62732e646f6e653a220a1c1901e4358a009d9717\
        3104000000000000003a080a017112030a01611001180112220a08696e666c696768743a160a121901e4358a009d97172100000000000000c0100112\
        470a0473697a651a0242794a3b0a371901e4358a009d9717210100000000000000290000000000000040321000000000000000000100000000000000\
        3a08000000000000f03f1001
        """

    /// Gauge without a name (2 points); histogram bad.hist: counts [1] for bounds [1,2], then
    /// counts [1,0,0] count 1; metric nodata without data; gauge up: 1.
    static let rejected = """
        0abd0112ba0112182a160a093101000000000000000a09310200000000000000127e0a086261642e686973744a720a2e1900002a36fe9c97172101000\
        00000000000320801000000000000003a10000000000000f03f00000000000000400a3e1900002a36fe9c971721010000000000000032180100000000\
        000000000000000000000000000000000000003a10000000000000f03f00000000000000401002120b0a066e6f646174611a017312110a0275702a0b\
        0a09310100000000000000
        """

    /// Built by hand around serialised messages: the resource {service.name=svc, region=eu}
    /// after its scope; gauge g (description, metadata) 2 at T with an exemplar; histogram h
    /// with min and max: bounds [1], counts [0,1], count 1, sum 3; unknown fields 99 (varint)
    /// and 100 (string) after the scope, resource and request.
    static let extras = """
        0adc0112a801124a0a01671207612067617567652a320a301900002a36fe9c97172100000000000000402a1c1100002a36fe9c97171900000000000022\
        402208313233343536373862080a016b12030a017612520a01684a4d0a491900002a36fe9c97172101000000000000002900000000000008403210000\
        000000000000001000000000000003a08000000000000f03f5900000000000008406100000000000008401002980601a206027a7a0a270a150a0c7365\
        72766963652e6e616d6512050a037376630a0e0a06726567696f6e12040a026575980601a206027a7a980601a206027a7a
        """

    private func decode(_ hex: String, _ decoder: inout OTLPMetricsDecoder, into batch: inout MetricBatch) throws -> OTLPMetricsDecodeResult {
        try bytes(hex).withUnsafeBytes { try decoder.decode($0, receivedAt: receivedAt, into: &batch) }
    }

    /// The samples as `name{label="value",…} value @timestamp kind`.
    private func samples(_ batch: MetricBatch) -> [String] {
        (0..<batch.count).map { i in
            let labels = batch.labelPairs(i).map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
            let record = batch.records[i]
            return "\(batch.name(i)){\(labels)} \(record.value) @\(record.timestamp) \(record.kind.name)"
        }
    }

    private func isStale(_ value: Double) -> Bool { value.bitPattern == 0x7FF0_0000_0000_0002 }

    func testGaugesAndSums() throws {
        var decoder = OTLPMetricsDecoder()
        var batch = MetricBatch()
        XCTAssertEqual(try decode(Self.gauges, &decoder, into: &batch), OTLPMetricsDecodeResult(points: 6))
        let scope = #"instance="i-1",job="shop/api",otel_scope_name="meter",otel_scope_version="0.1""#
        let expected: [String] = [
            #"target_info{host_name="h1",instance="i-1",job="shop/api",k8s_pod_name="p"} 1.0 @1800000000000 gauge"#,
            "cpu_utilization_ratio{cpu=\"0\",\(scope),state=\"idle\"} 0.5 @1700000000000 gauge",
            "cpu_utilization_ratio{cpu=\"1\",\(scope)} -3.0 @1800000000000 gauge",
            "http_server_requests_total{_2xx=\"true\",a_b=\"2;1\",\(scope)} 10.0 @1700000000005 counter",
            "queue_size_bytes{\(scope)} 7.5 @1700000000000 gauge",
            "gc_pause_milliseconds_total{\(scope)} 1.25 @1700000000000 counter",
        ]
        XCTAssertEqual(samples(batch).dropLast(), expected[...])
        XCTAssertEqual(batch.name(6), "temp_celsius")
        XCTAssertTrue(isStale(batch.records[6].value))
    }

    func testHistogramsAndSummaries() throws {
        var decoder = OTLPMetricsDecoder()
        var batch = MetricBatch()
        XCTAssertEqual(try decode(Self.histograms, &decoder, into: &batch), OTLPMetricsDecodeResult(points: 6))
        func histogram(_ sample: String) -> String { sample + " @1700000000000 histogram" }
        func summary(_ sample: String) -> String { sample + " @1700000000000 summary" }
        let expected: [String] = [
            histogram(#"http_server_duration_seconds_bucket{job="api",le="0.005",route="/a"} 1.0"#),
            histogram(#"http_server_duration_seconds_bucket{job="api",le="0.5",route="/a"} 3.0"#),
            histogram(#"http_server_duration_seconds_bucket{job="api",le="1",route="/a"} 6.0"#),
            histogram(#"http_server_duration_seconds_bucket{job="api",le="2.5",route="/a"} 10.0"#),
            histogram(#"http_server_duration_seconds_bucket{job="api",le="+Inf",route="/a"} 15.0"#),
            histogram(#"http_server_duration_seconds_count{job="api",route="/a"} 15.0"#),
            histogram(#"http_server_duration_seconds_sum{job="api",route="/a"} 12.5"#),
            histogram(#"http_server_duration_seconds_bucket{job="api",le="+Inf"} 3.0"#),
            histogram(#"http_server_duration_seconds_count{job="api"} 3.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="-1"} 1.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="0"} 2.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="2"} 4.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="4"} 7.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="+Inf"} 7.0"#),
            histogram(#"latency_milliseconds_count{job="api"} 7.0"#),
            histogram(#"latency_milliseconds_sum{job="api"} 10.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="0.5"} 0.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="1"} 1.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="1.4142135623730951"} 2.0"#),
            histogram(#"latency_milliseconds_bucket{job="api",le="+Inf"} 2.0"#),
            histogram(#"latency_milliseconds_count{job="api"} 2.0"#),
            summary(#"rpc_duration_seconds{job="api",quantile="0.5"} 0.1"#),
            summary(#"rpc_duration_seconds{job="api",quantile="0.99"} 0.9"#),
            summary(#"rpc_duration_seconds_count{job="api"} 100.0"#),
            summary(#"rpc_duration_seconds_sum{job="api"} 12.0"#),
        ]
        XCTAssertEqual(samples(batch).dropLast(2), expected[...])
        XCTAssertEqual(batch.name(batch.count - 2), "rpc_duration_seconds_count")
        XCTAssertEqual(batch.name(batch.count - 1), "rpc_duration_seconds_sum")
        XCTAssertTrue(isStale(batch.records[batch.count - 2].value))
        XCTAssertTrue(isStale(batch.records[batch.count - 1].value))
    }

    func testFieldsTheMappingIgnoresAndAResourceAfterItsScopes() throws {
        var decoder = OTLPMetricsDecoder()
        var batch = MetricBatch()
        XCTAssertEqual(try decode(Self.extras, &decoder, into: &batch), OTLPMetricsDecodeResult(points: 2))
        XCTAssertEqual(samples(batch), [
            #"target_info{job="svc",region="eu"} 1.0 @1800000000000 gauge"#,
            #"g{job="svc"} 2.0 @1700000000000 gauge"#,
            #"h_bucket{job="svc",le="1"} 0.0 @1700000000000 histogram"#,
            #"h_bucket{job="svc",le="+Inf"} 1.0 @1700000000000 histogram"#,
            #"h_count{job="svc"} 1.0 @1700000000000 histogram"#,
            #"h_sum{job="svc"} 3.0 @1700000000000 histogram"#,
        ])
    }

    func testDeltasAccumulateAcrossRequests() throws {
        var decoder = OTLPMetricsDecoder()
        var first = MetricBatch(), second = MetricBatch()
        XCTAssertEqual(try decode(Self.delta0, &decoder, into: &first), OTLPMetricsDecodeResult(points: 3))
        XCTAssertEqual(try decode(Self.delta1, &decoder, into: &second), OTLPMetricsDecodeResult(points: 3))
        XCTAssertEqual(samples(first), [
            #"jobs_done_total{job="worker",q="a"} 3.0 @1700000000000 counter"#,
            #"inflight{job="worker"} 5.0 @1700000000000 gauge"#,
            #"size_bytes_bucket{job="worker",le="1"} 1.0 @1700000000000 histogram"#,
            #"size_bytes_bucket{job="worker",le="+Inf"} 3.0 @1700000000000 histogram"#,
            #"size_bytes_count{job="worker"} 3.0 @1700000000000 histogram"#,
            #"size_bytes_sum{job="worker"} 1.5 @1700000000000 histogram"#,
        ])
        XCTAssertEqual(samples(second), [
            #"jobs_done_total{job="worker",q="a"} 7.0 @1700000010000 counter"#,
            #"inflight{job="worker"} 3.0 @1700000010000 gauge"#,
            #"size_bytes_bucket{job="worker",le="1"} 1.0 @1700000010000 histogram"#,
            #"size_bytes_bucket{job="worker",le="+Inf"} 4.0 @1700000010000 histogram"#,
            #"size_bytes_count{job="worker"} 4.0 @1700000010000 histogram"#,
            #"size_bytes_sum{job="worker"} 3.5 @1700000010000 histogram"#,
        ])
        XCTAssertEqual(decoder.accumulatedSeries, 6)
    }

    /// A delta request answered 503 (or timed out) and sent again carries the same point
    /// times: it must not be counted twice.
    func testARetriedDeltaRequestIsNotCountedTwice() throws {
        var decoder = OTLPMetricsDecoder()
        var first = MetricBatch(), retried = MetricBatch(), next = MetricBatch()
        _ = try decode(Self.delta0, &decoder, into: &first)
        _ = try decode(Self.delta0, &decoder, into: &retried)
        _ = try decode(Self.delta1, &decoder, into: &next)
        XCTAssertEqual(samples(retried), samples(first), "the same totals again, nothing added")
        XCTAssertTrue(samples(next).contains(#"jobs_done_total{job="worker",q="a"} 7.0 @1700000010000 counter"#), "\(samples(next))")
    }

    /// A histogram point writes a sample per bound with all its labels: 1024 bounds × 8000
    /// attributes would be 8 M label rows from a 100 KiB request. It is refused, not written.
    func testARequestThatWouldExpandBeyondTheLimitsIsRefused() throws {
        var w = ProtobufWriter()
        w.messageField(1) { resourceMetrics in
            resourceMetrics.messageField(2) { scope in
                scope.messageField(2) { metric in
                    metric.stringField(1, "wide")
                    metric.messageField(9) { histogram in
                        histogram.messageField(1) { point in
                            for a in 0..<8000 {
                                point.messageField(9) { kv in
                                    kv.stringField(1, "a\(a)")
                                    kv.messageField(2) { $0.stringField(1, "v") }
                                }
                            }
                            point.messageField(6) { packed in for _ in 0...1024 { packed.buffer.writeInteger(UInt64(1), endianness: .little) } }
                            point.messageField(7) { packed in for b in 0..<1024 { packed.buffer.writeInteger(Double(b).bitPattern, endianness: .little) } }
                            point.fixed64Field(4, 1025)
                        }
                        histogram.varintField(2, 2)
                    }
                }
            }
        }
        var decoder = OTLPMetricsDecoder()
        var batch = MetricBatch()
        XCTAssertThrowsError(try w.buffer.withUnsafeReadableBytes { try decoder.decode($0, receivedAt: 1, into: &batch) }) { error in
            XCTAssertTrue("\(error)".contains("expands to more than"), "\(error)")
        }
        XCTAssertEqual(batch.count, 0, "nothing of the refused request stays")
    }

    /// Each connection decodes with its own decoder; the delta sums are the input's.
    func testDecodersOfTwoConnectionsShareTheDeltaSums() throws {
        let sums = OTLPDeltaSums()
        var first = OTLPMetricsDecoder(deltas: sums), second = OTLPMetricsDecoder(deltas: sums)
        var a = MetricBatch(), b = MetricBatch()
        _ = try decode(Self.delta0, &first, into: &a)
        _ = try decode(Self.delta1, &second, into: &b)
        XCTAssertTrue(samples(b).contains(#"jobs_done_total{job="worker",q="a"} 7.0 @1700000010000 counter"#), "\(samples(b))")
        XCTAssertEqual(sums.count, 6)
    }

    func testAccumulatorKeepsItsBound() throws {
        var decoder = OTLPMetricsDecoder(deltas: OTLPDeltaSums(OTLPDeltaAccumulator(maxSeries: 4)))
        var batch = MetricBatch()
        _ = try decode(Self.delta0, &decoder, into: &batch)
        XCTAssertEqual(decoder.accumulatedSeries, 3, "6 series, down to 9/10 of 4")
    }

    func testRejectedPointsAreCountedNotThrown() throws {
        var decoder = OTLPMetricsDecoder()
        var batch = MetricBatch()
        XCTAssertEqual(try decode(Self.rejected, &decoder, into: &batch),
                       OTLPMetricsDecodeResult(points: 2, rejected: 4, rejectionMessage: "metric without a name"))
        XCTAssertEqual(samples(batch), [
            #"bad_hist_bucket{le="1"} 1.0 @1700000000000 histogram"#,
            #"bad_hist_bucket{le="2"} 1.0 @1700000000000 histogram"#,
            #"bad_hist_bucket{le="+Inf"} 1.0 @1700000000000 histogram"#,
            #"bad_hist_count{} 1.0 @1700000000000 histogram"#,
            "up{} 1.0 @1800000000000 gauge",
        ])
    }

    /// Every cut of a body either throws, leaving the batch's earlier sample and the
    /// accumulator alone, or decodes a prefix.
    func testTruncatedBodiesThrowAndLeaveBatchAndAccumulatorUnchanged() throws {
        for vector in [Self.gauges, Self.histograms, Self.delta0, Self.rejected, Self.extras] {
            let whole = bytes(vector)
            for cut in 0..<whole.count {
                var decoder = OTLPMetricsDecoder()
                var batch = MetricBatch()
                batch.append(name: "before", value: 1, timestamp: 1, kind: .gauge)
                do {
                    _ = try Array(whole[..<cut]).withUnsafeBytes { try decoder.decode($0, receivedAt: receivedAt, into: &batch) }
                } catch {
                    XCTAssertEqual(batch.count, 1, "cut \(cut)")
                    XCTAssertEqual(decoder.accumulatedSeries, 0, "cut \(cut)")
                }
                XCTAssertEqual(batch.name(0), "before")
            }
        }
    }

    /// A request whose second resource is malformed adds none of the first one's deltas.
    func testAMalformedRequestTakesItsDeltasBack() throws {
        var decoder = OTLPMetricsDecoder()
        var batch = MetricBatch()
        XCTAssertThrowsError(try decode(Self.delta0 + "0a05ff", &decoder, into: &batch))
        XCTAssertEqual(batch.count, 0)
        XCTAssertEqual(decoder.accumulatedSeries, 0)
        XCTAssertEqual(try decode(Self.delta0, &decoder, into: &batch).points, 3)
        XCTAssertEqual(batch.records[0].value, 3)
    }
}

private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var digits = hex.utf8.makeIterator()
    while let high = digits.next(), let low = digits.next() {
        out.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
    }
    return out
}
