import Codecs
import XCTest

/// OpenTelemetry → Prometheus names (the compatibility specification's rules).
final class OTLPMetricNamingTests: XCTestCase {
    private func name(_ name: String, _ unit: String, _ shape: OTLPMetricNaming.Shape) -> String {
        var out: [UInt8] = Array("prefix-".utf8)
        var n = name, u = unit
        n.withUTF8 { nameBytes in
            u.withUTF8 { unitBytes in
                OTLPMetricNaming.appendMetricName(UnsafeRawBufferPointer(nameBytes), unit: UnsafeRawBufferPointer(unitBytes),
                                                  shape: shape, to: &out)
            }
        }
        XCTAssertEqual(out.prefix(7), Array("prefix-".utf8)[...], "appends after what is there")
        return String(decoding: out.dropFirst(7), as: UTF8.self)
    }

    private func label(_ key: String) -> String {
        var out: [UInt8] = []
        var k = key
        k.withUTF8 { OTLPMetricNaming.appendLabelName(UnsafeRawBufferPointer($0), to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    func testUnitSuffixTable() {
        let table = [
            "s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds", "min": "minutes", "h": "hours",
            "d": "days", "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
            "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes", "m": "meters", "V": "volts",
            "A": "amperes", "J": "joules", "W": "watts", "g": "grams", "Cel": "celsius", "Hz": "hertz", "%": "percent",
        ]
        for (unit, word) in table {
            XCTAssertEqual(name("x", unit, .gauge), "x_\(word)", unit)
            XCTAssertEqual(name("x", unit, .counter), "x_\(word)_total", unit)
        }
        let per = ["s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"]
        for (unit, word) in per {
            XCTAssertEqual(name("x", "By/\(unit)", .gauge), "x_bytes_per_\(word)", unit)
        }
    }

    func testSpecificationExamples() {
        XCTAssertEqual(name("http.server.duration", "ms", .other), "http_server_duration_milliseconds")
        XCTAssertEqual(name("system.network.io", "By", .counter), "system_network_io_bytes_total")
        XCTAssertEqual(name("cpu.utilization", "1", .gauge), "cpu_utilization_ratio")
        XCTAssertEqual(name("cpu.utilization", "1", .other), "cpu_utilization")
        XCTAssertEqual(name("http.server.requests", "{requests}", .counter), "http_server_requests_total")
        XCTAssertEqual(name("packets", "{packets}/s", .gauge), "packets_per_second")
        XCTAssertEqual(name("speed", "m/s", .gauge), "speed_meters_per_second")
        XCTAssertEqual(name("rate", "1/s", .gauge), "rate_per_second")
        XCTAssertEqual(name("plain", "", .counter), "plain_total")
    }

    func testSuffixesTheNameEndsWithAreNotRepeated() {
        XCTAssertEqual(name("latency_seconds", "s", .other), "latency_seconds")
        XCTAssertEqual(name("latency.seconds", "s", .other), "latency_seconds")
        XCTAssertEqual(name("seconds", "s", .other), "seconds")
        XCTAssertEqual(name("x_per_second", "1/s", .gauge), "x_per_second")
        XCTAssertEqual(name("io_bytes_per_second", "By/s", .gauge), "io_bytes_per_second")
        XCTAssertEqual(name("usage_ratio", "1", .gauge), "usage_ratio")
        XCTAssertEqual(name("requests_total", "", .counter), "requests_total")
        XCTAssertEqual(name("sent_total", "By", .counter), "sent_bytes_total")
        // Whole words only: `ms` is not `milliseconds`, `xseconds` does not end in `seconds`.
        XCTAssertEqual(name("duration_ms", "ms", .other), "duration_ms_milliseconds")
        XCTAssertEqual(name("xseconds", "s", .other), "xseconds_seconds")
    }

    func testUnknownUnitsAreSanitised() {
        XCTAssertEqual(name("x", "kWh", .gauge), "x_kWh")
        XCTAssertEqual(name("x", "req/sec", .gauge), "x_req_per_sec")
        XCTAssertEqual(name("x", "m.s", .gauge), "x_m_s")
        XCTAssertEqual(name("x", "{a}", .gauge), "x")
    }

    func testMetricNamesAreSanitised() {
        XCTAssertEqual(name("2xx.requests", "", .gauge), "_2xx_requests")
        XCTAssertEqual(name("a..b__c", "", .gauge), "a_b_c")
        XCTAssertEqual(name("ns:sub.metric", "", .gauge), "ns:sub_metric")
        XCTAssertEqual(name("caf\u{e9}", "", .gauge), "caf_")
        XCTAssertEqual(name("foo.", "s", .other), "foo_seconds")
    }

    func testLabelNamesAreSanitised() {
        XCTAssertEqual(label("http.method"), "http_method")
        XCTAssertEqual(label("2xx"), "_2xx")
        XCTAssertEqual(label("a:b"), "a_b")
        XCTAssertEqual(label("__x"), "_x")
        XCTAssertEqual(label("a--b"), "a_b")
        XCTAssertEqual(label("ok_name9"), "ok_name9")
    }
}
