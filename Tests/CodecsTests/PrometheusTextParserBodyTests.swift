import Codecs
import XCTest

/// Whole bodies as real exporters write them, fed every way.
final class PrometheusTextParserBodyTests: XCTestCase {
    /// An excerpt of node_exporter 1.5's `/metrics` (0.0.4).
    static let nodeExporter = #"""
# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 0
go_gc_duration_seconds{quantile="0.25"} 0
go_gc_duration_seconds{quantile="0.5"} 0
go_gc_duration_seconds{quantile="0.75"} 0
go_gc_duration_seconds{quantile="1"} 0
go_gc_duration_seconds_sum 0
go_gc_duration_seconds_count 0
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 7
# HELP go_info Information about the Go environment.
# TYPE go_info gauge
go_info{version="go1.19.8"} 1
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 6828.1
node_cpu_seconds_total{cpu="0",mode="iowait"} 15.1
# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 8.0459280384e+10
# HELP node_filesystem_device_error Whether an error occurred while getting statistics for the given device.
# TYPE node_filesystem_device_error gauge
# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 0.13
# HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.
# TYPE node_memory_MemAvailable_bytes gauge
node_memory_MemAvailable_bytes 2.484594688e+10
# HELP node_network_receive_bytes_total Network device statistic receive_bytes.
# TYPE node_network_receive_bytes_total counter
node_network_receive_bytes_total{device="eth0"} 7.5262735e+07
node_network_receive_bytes_total{device="ifb0"} 0
# HELP node_uname_info Labeled system information as provided by the uname system call.
# TYPE node_uname_info gauge
node_uname_info{domainname="(none)",machine="x86_64",nodename="vm",release="6.18.44-fc-v857",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC @0"} 1
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.79598496681e+09

"""#

    /// An OpenMetrics body in the shape client_golang and the OpenMetrics spec's examples give.
    static let openMetrics = #"""
    # HELP go_goroutines Number of goroutines that currently exist.
    # TYPE go_goroutines gauge
    go_goroutines 69
    # HELP http_requests Requests handled.
    # TYPE http_requests counter
    http_requests_total{code="200",handler="/api/v1/query"} 1027 1395066363.5
    http_requests_created{code="200",handler="/api/v1/query"} 1395066300.0
    # HELP rpc_duration_seconds RPC latency.
    # TYPE rpc_duration_seconds histogram
    # UNIT rpc_duration_seconds seconds
    rpc_duration_seconds_bucket{le="0.05"} 24054 # {trace_id="a\"b"} 0.043 1395066363.2
    rpc_duration_seconds_bucket{le="+Inf"} 144320
    rpc_duration_seconds_sum 53423
    rpc_duration_seconds_count 144320
    # HELP target Target metadata.
    # TYPE target info
    target_info{env="prod",service_name="api\nv2"} 1
    # EOF

    """#

    func testNodeExporterBody() {
        let events = PrometheusTextParserHarness.verify(Self.nodeExporter, format: .prometheus004)
        XCTAssertEqual(events.count, 18)
        XCTAssertFalse(events.contains { $0.hasPrefix("E") }, "\(events)")
        XCTAssertEqual(events.first, #"go_gc_duration_seconds{quantile="0"} 0.0 summary"#)
        XCTAssertTrue(events.contains("go_gc_duration_seconds_count 0.0 summary"))
        XCTAssertTrue(events.contains(#"node_cpu_seconds_total{cpu="0",mode="idle"} 6828.1 counter"#))
        XCTAssertTrue(events.contains(
            #"node_filesystem_avail_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 80459280384.0 gauge"#))
        XCTAssertTrue(events.contains { $0.hasPrefix(#"node_uname_info{domainname="(none)",machine="x86_64""#) })
        XCTAssertEqual(events.last, "process_start_time_seconds 1795984966.81 gauge")
    }

    func testOpenMetricsBody() {
        XCTAssertEqual(PrometheusTextParserHarness.verify(Self.openMetrics, format: .openMetrics), [
            "go_goroutines 69.0 gauge",
            #"http_requests_total{code="200",handler="/api/v1/query"} 1027.0 @1395066363500 counter"#,
            #"http_requests_created{code="200",handler="/api/v1/query"} 1395066300.0 counter"#,
            #"rpc_duration_seconds_bucket{le="0.05"} 24054.0 histogram"#,
            #"rpc_duration_seconds_bucket{le="+Inf"} 144320.0 histogram"#,
            "rpc_duration_seconds_sum 53423.0 histogram",
            "rpc_duration_seconds_count 144320.0 histogram",
            "target_info{env=\"prod\",service_name=\"api\nv2\"} 1.0 info",
        ])
    }

    /// A body served as OpenMetrics but missing `# EOF` (cut short) reports it, keeping the samples.
    func testTruncatedOpenMetricsBody() {
        let cut = String(Self.openMetrics.dropLast("# EOF\n".count))
        let events = PrometheusTextParserHarness.verify(cut, format: .openMetrics)
        XCTAssertEqual(events.last, "E17: missing # EOF at the end of an OpenMetrics body")
        XCTAssertEqual(events.filter { !$0.hasPrefix("E") }.count, 8)
    }
}
