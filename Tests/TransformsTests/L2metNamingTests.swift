@testable import Transforms
import XCTest

/// l2met names and units turned into Prometheus names.
final class L2metNamingTests: XCTestCase {
    private func name(_ name: String, _ unit: String, prefix: String = "", keep: Bool = false,
                      total: Bool = false) -> (String, Double)? {
        // The second element: what 1 unit becomes.
        let naming = L2metNaming(prefix: Array(prefix.utf8), keepUnits: keep)
        var out: [UInt8] = []
        let conversion = Array(name.utf8).withUnsafeBytes { n in
            Array(unit.utf8).withUnsafeBytes { u in naming.append(name: n, unit: u, total: total, into: &out) }
        }
        return conversion.map { (String(decoding: out, as: UTF8.self), $0.normalize(1)) }
    }

    func testNamesWithNormalisedUnits() {
        XCTAssertEqual(name("db.latency", "ms")?.0, "db_latency_seconds")
        XCTAssertEqual(name("db.latency", "ms")?.1, 0.001)
        XCTAssertEqual(name("memory_rss", "MB")?.0, "memory_rss_bytes")
        XCTAssertEqual(name("memory_rss", "MB")?.1, 1_048_576)
        XCTAssertEqual(name("memory_pgpgin", "pages")?.0, "memory_pgpgin_pages")
        XCTAssertEqual(name("memory_pgpgin", "pages")?.1, 1)
        XCTAssertEqual(name("load_avg_1m", "")?.0, "load_avg_1m")
        XCTAssertEqual(name("cpu", "%")?.0, "cpu_percent")
        XCTAssertEqual(name("memory_total_bytes", "MB")?.0, "memory_total_bytes")
        XCTAssertEqual(name("signup", "", total: true)?.0, "signup_total")
        XCTAssertEqual(name("requests_total", "", total: true)?.0, "requests_total")
        XCTAssertEqual(name("upload", "KB", total: true)?.0, "upload_bytes_total")
    }

    func testNamesWithUnitsKept() {
        XCTAssertEqual(name("db.latency", "ms", keep: true)?.0, "db_latency_ms")
        XCTAssertEqual(name("db.latency", "ms", keep: true)?.1, 1)
        XCTAssertEqual(name("memory_rss", "MB", keep: true)?.0, "memory_rss_MB")
        XCTAssertEqual(name("x", "", keep: true)?.0, "x")
    }

    func testNamesAreSanitised() {
        XCTAssertEqual(name("db.query-time/p", "")?.0, "db_query_time_p")
        XCTAssertEqual(name("5xx.count", "")?.0, "_5xx_count")
        XCTAssertEqual(name("5xx", "", prefix: "heroku_")?.0, "heroku_5xx")
        XCTAssertEqual(name("ns:name", "")?.0, "ns:name")
        XCTAssertEqual(name("caf\u{e9}", "")?.0, "caf__")
        XCTAssertEqual(name("x", "req/s")?.0, "x_req_s")
        XCTAssertNil(name("", "ms"))
    }
}
