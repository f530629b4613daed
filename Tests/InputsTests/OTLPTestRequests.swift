import Codecs
import NIOCore

/// Small OTLP protobuf requests for the input's tests, written with `ProtobufWriter`.
enum OTLPTestRequests {
    /// An `ExportTraceServiceRequest` of one resource (`service.name` checkout) with `spans`
    /// server spans of one trace.
    static func traces(spans: Int) -> [UInt8] {
        var w = ProtobufWriter()
        w.messageField(1) { resourceSpans in
            resourceSpans.messageField(1) { resource in attribute(&resource, 1, "service.name", "checkout") }
            resourceSpans.messageField(2) { scopeSpans in
                scopeSpans.messageField(1) { scope in scope.stringField(1, "test") }
                for i in 0..<spans {
                    scopeSpans.messageField(2) { span in
                        let trace: [UInt8] = Array(repeating: 0xAB, count: 16), id: [UInt8] = [0, 0, 0, 0, 0, 0, 1, UInt8(i % 255 + 1)]
                        trace.withUnsafeBytes { span.bytesField(1, $0) }
                        id.withUnsafeBytes { span.bytesField(2, $0) }
                        span.stringField(5, "GET /cart")
                        span.varintField(6, 2)
                        span.fixed64Field(7, 1_714_521_600_000_000_000)
                        span.fixed64Field(8, 1_714_521_600_030_000_000)
                    }
                }
            }
        }
        return Array(buffer: w.buffer)
    }

    /// An `ExportLogsServiceRequest` with one string-bodied record per message.
    static func logs(_ messages: [String]) -> [UInt8] {
        var w = ProtobufWriter()
        w.messageField(1) { resourceLogs in
            resourceLogs.messageField(2) { scopeLogs in
                for message in messages {
                    scopeLogs.messageField(2) { record in
                        record.fixed64Field(1, 1_714_521_600_000_000_000)
                        record.messageField(5) { body in body.stringField(1, message) }
                    }
                }
            }
        }
        return Array(buffer: w.buffer)
    }

    /// An `ExportMetricsServiceRequest` with one gauge of one point per (name, value); an
    /// empty name makes a point the receiver refuses.
    static func gauges(_ points: [(String, Double)]) -> [UInt8] {
        var w = ProtobufWriter()
        w.messageField(1) { resourceMetrics in
            resourceMetrics.messageField(2) { scopeMetrics in
                for (name, value) in points {
                    scopeMetrics.messageField(2) { metric in
                        if !name.isEmpty { metric.stringField(1, name) }
                        metric.messageField(5) { gauge in
                            gauge.messageField(1) { point in
                                point.fixed64Field(3, 1_714_521_600_000_000_000)
                                point.doubleField(4, value)
                            }
                        }
                    }
                }
            }
        }
        return Array(buffer: w.buffer)
    }

    private static func attribute(_ w: inout ProtobufWriter, _ field: UInt32, _ key: String, _ value: String) {
        w.messageField(field) { kv in
            kv.stringField(1, key)
            kv.messageField(2) { any in any.stringField(1, value) }
        }
    }
}
