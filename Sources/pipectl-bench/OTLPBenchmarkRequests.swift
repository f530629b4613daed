import Codecs
import NIOCore

/// The OTLP protobuf bodies of the OTLP benchmarks, shaped like an SDK's exports from an
/// HTTP service, built once with `ProtobufWriter` (field numbers: opentelemetry-proto v1).
enum OTLPBenchmarkRequests {
    /// The unix time of every body's first point or span, in nanoseconds.
    static let start: UInt64 = 1_764_000_000_000_000_000

    static let routes = ["/api/cart/{id}", "/api/cart", "/api/checkout", "/api/orders/{id}", "/api/orders", "/api/products/{id}",
                         "/api/products", "/api/users/{id}", "/api/session", "/healthz"]
    static let methods = ["GET", "POST", "PUT", "DELETE"]
    static let statusCodes: [Int64] = [200, 201, 404, 500]

    /// An `ExportTraceServiceRequest`: one resource (`service.name` and 3 more attributes), one
    /// scope, `spans` spans in traces of 10, each with trace, span and parent ids, name, kind,
    /// start and end, 4 attributes (2 strings, 2 ints) and a status. Ids and durations are
    /// random from `seed`.
    static func traces(spans: Int, seed: UInt64) -> ByteBuffer {
        var random = SplitMix64(seed: seed)
        var w = ProtobufWriter()
        w.messageField(1) { w in  // ResourceSpans
            w.messageField(1) { w in  // Resource
                attribute(&w, 1, "service.name", "checkout")
                attribute(&w, 1, "service.version", "2.14.1")
                attribute(&w, 1, "deployment.environment.name", "production")
                attribute(&w, 1, "host.name", "ip-10-0-3-17.eu-west-1.compute.internal")
            }
            w.messageField(2) { w in  // ScopeSpans
                w.messageField(1) { w in
                    w.stringField(1, "io.opentelemetry.instrumentation.http")
                    w.stringField(2, "2.10.0")
                }
                var trace = (random.next(), random.next())
                for i in 0..<spans {
                    if i % 10 == 0 { trace = (random.next(), random.next()) }
                    w.messageField(2) { w in span(&w, i, trace: trace, &random) }
                }
            }
        }
        return w.buffer
    }

    /// `Span` fields (trace and span ids 16 and 8 random bytes).
    private static func span(_ w: inout ProtobufWriter, _ i: Int, trace: (UInt64, UInt64), _ random: inout SplitMix64) {
        var trace = trace
        var ids = (random.next(), random.next())
        withUnsafeBytes(of: &trace) { w.bytesField(1, $0) }
        withUnsafeBytes(of: &ids.0) { w.bytesField(2, $0) }
        withUnsafeBytes(of: &ids.1) { w.bytesField(4, $0) }
        let route = routes[i % routes.count], method = methods[i % methods.count]
        w.stringField(5, "\(method) \(route)")
        w.varintField(6, i % 10 == 0 ? 2 : 3)  // SERVER for a trace's first span, then CLIENT
        let begin = start + UInt64(i) * 1_000_000
        w.fixed64Field(7, begin)
        w.fixed64Field(8, begin + 250_000 + UInt64(random.next(5_000_000)))
        attribute(&w, 9, "http.request.method", method)
        attribute(&w, 9, "http.route", route)
        attribute(&w, 9, "http.response.status_code", int: statusCodes[i % statusCodes.count])
        attribute(&w, 9, "server.port", int: 8080)
        w.messageField(15) { w in  // Status: OK, ERROR for a 500
            if statusCodes[i % statusCodes.count] == 500 { w.stringField(2, "Internal Server Error") }
            w.varintField(3, statusCodes[i % statusCodes.count] == 500 ? 2 : 1)
        }
    }

    /// The Prometheus samples one `metrics` body gives: a sum or gauge point 1, a histogram
    /// point its 10 + 1 buckets, `_count` and `_sum`.
    static let samplesPerMetricsRequest = 100 + 50 + 50 * (11 + 2)
    /// The data points of one `metrics` body.
    static let pointsPerMetricsRequest = 200

    /// An `ExportMetricsServiceRequest` from one service instance: resource `service.name` and
    /// `service.instance.id`, one scope; 10 cumulative monotonic sums, 5 gauges and 5
    /// histograms (10 bounds) of 10 points each, every point with 3 attributes.
    static func metrics(instance: Int) -> ByteBuffer {
        let sums = [("http.server.request.count", "{request}"), ("http.client.request.count", "{request}"),
                    ("rpc.server.calls", "{call}"), ("db.client.operations", "{operation}"), ("messaging.consumed.messages", "{message}"),
                    ("process.cpu.time", "s"), ("system.network.io", "By"), ("system.disk.io", "By"),
                    ("cache.hits", "{hit}"), ("cache.misses", "{miss}")]
        let gauges = [("system.memory.usage", "By"), ("process.thread.count", "{thread}"), ("jvm.memory.used", "By"),
                      ("db.client.connection.count", "{connection}"), ("system.cpu.utilization", "1")]
        let histograms = [("http.server.request.duration", "s"), ("http.client.request.duration", "s"), ("rpc.server.duration", "ms"),
                          ("db.client.operation.duration", "s"), ("messaging.process.duration", "s")]
        var w = ProtobufWriter()
        w.messageField(1) { w in  // ResourceMetrics
            w.messageField(1) { w in
                attribute(&w, 1, "service.name", "checkout")
                attribute(&w, 1, "service.instance.id", "checkout-\(instance)")
            }
            w.messageField(2) { w in  // ScopeMetrics
                w.messageField(1) { w in
                    w.stringField(1, "io.opentelemetry.instrumentation.http")
                    w.stringField(2, "2.10.0")
                }
                for (m, (name, unit)) in sums.enumerated() {
                    metric(&w, name, unit, data: 7) { w in
                        for p in 0..<10 { w.messageField(1) { w in number(&w, p, int: Int64(instance * 7_919 + m * 1_000 + p * 37)) } }
                        w.varintField(2, 2)  // cumulative
                        w.varintField(3, 1)  // monotonic
                    }
                }
                for (m, (name, unit)) in gauges.enumerated() {
                    metric(&w, name, unit, data: 5) { w in
                        for p in 0..<10 { w.messageField(1) { w in number(&w, p, double: Double(m * 100 + p) * 1.5) } }
                    }
                }
                for (name, unit) in histograms {
                    metric(&w, name, unit, data: 9) { w in
                        for p in 0..<10 { w.messageField(1) { w in histogramPoint(&w, p) } }
                        w.varintField(2, 2)  // cumulative
                    }
                }
            }
        }
        return w.buffer
    }

    /// `Metric { name 1; unit 3; <data> }`, `data` 5 gauge, 7 sum or 9 histogram.
    private static func metric(_ w: inout ProtobufWriter, _ name: String, _ unit: String, data: UInt32,
                               _ body: (inout ProtobufWriter) -> Void) {
        w.messageField(2) { w in
            w.stringField(1, name)
            w.stringField(3, unit)
            w.messageField(data, body)
        }
    }

    /// A point's 3 attributes (`field` 7 in a number point, 9 in a histogram point).
    private static func pointAttributes(_ w: inout ProtobufWriter, _ field: UInt32, _ p: Int) {
        attribute(&w, field, "http.request.method", methods[p % methods.count])
        attribute(&w, field, "http.route", routes[p % routes.count])
        attribute(&w, field, "http.response.status_code", int: statusCodes[p % statusCodes.count])
    }

    /// `NumberDataPoint { 7 attributes; 2 start; 3 time; 6 as_int (sfixed64) }`.
    private static func number(_ w: inout ProtobufWriter, _ p: Int, int value: Int64) {
        pointAttributes(&w, 7, p)
        w.fixed64Field(2, start)
        w.fixed64Field(3, start + 60_000_000_000)
        w.fixed64Field(6, UInt64(bitPattern: value))
    }

    /// `NumberDataPoint { 7 attributes; 2 start; 3 time; 4 as_double }`.
    private static func number(_ w: inout ProtobufWriter, _ p: Int, double value: Double) {
        pointAttributes(&w, 7, p)
        w.fixed64Field(2, start)
        w.fixed64Field(3, start + 60_000_000_000)
        w.doubleField(4, value)
    }

    /// `HistogramDataPoint { 9 attributes; 2 start; 3 time; 4 count; 5 sum; 6 bucket_counts;
    /// 7 explicit_bounds; 11 min; 12 max }`: 10 bounds, 11 bucket counts, packed.
    private static func histogramPoint(_ w: inout ProtobufWriter, _ p: Int) {
        let bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
        let counts: [UInt64] = (0...10).map { UInt64((($0 + p) * 37) % 100) }
        pointAttributes(&w, 9, p)
        w.fixed64Field(2, start)
        w.fixed64Field(3, start + 60_000_000_000)
        w.fixed64Field(4, counts.reduce(0, +))
        w.doubleField(5, Double(p) * 12.75 + 3.5)
        w.messageField(6) { w in for c in counts { w.buffer.writeInteger(c, endianness: .little) } }
        w.messageField(7) { w in for b in bounds { w.buffer.writeInteger(b.bitPattern, endianness: .little) } }
        w.doubleField(11, 0.0021)
        w.doubleField(12, 7.9)
    }

    /// A `KeyValue` with a string value (`AnyValue.string_value`).
    private static func attribute(_ w: inout ProtobufWriter, _ field: UInt32, _ key: String, _ value: String) {
        w.messageField(field) { w in
            w.stringField(1, key)
            w.messageField(2) { w in w.stringField(1, value) }
        }
    }

    /// A `KeyValue` with an int value (`AnyValue.int_value`).
    private static func attribute(_ w: inout ProtobufWriter, _ field: UInt32, _ key: String, int value: Int64) {
        w.messageField(field) { w in
            w.stringField(1, key)
            w.messageField(2) { w in w.varintField(3, UInt64(bitPattern: value)) }
        }
    }
}
