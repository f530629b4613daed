@testable import Transforms
import XCTest

/// l2met value parsing, unit normalisation, naming and nearest-rank percentiles, on their own.
final class L2metValueTests: XCTestCase {
    private func parse(_ text: String, negative: Bool = false) -> (Double, String)? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            L2metValue.parse(raw, allowNegative: negative).map { ($0.number, String(decoding: bytes[$0.unit], as: UTF8.self)) }
        }
    }

    func testValuesAsL2metReadsThem() {
        let cases: [(String, Double, String)] = [
            ("", 1, ""), ("200ms", 200, "ms"), ("40.9MB", 40.9, "MB"), ("4347350804bytes", 4_347_350_804, "bytes"),
            ("348836pages", 348_836, "pages"), (".5", 0.5, ""), ("1.2.3", 1.2, ""), ("12", 12, ""), ("0.00MB", 0, "MB"),
            ("2.46", 2.46, ""), ("5m2", 5, "m"), ("12345678901234567890", 12_345_678_901_234_567_168, ""),
        ]
        for (text, number, unit) in cases {
            let parsed = parse(text)
            XCTAssertEqual(parsed?.0, number, text)
            XCTAssertEqual(parsed?.1, unit, text)
        }
    }

    func testNotNumbers() {
        for text in ["-5", "abc", ".", "ms200", "-"] { XCTAssertNil(parse(text), text) }
    }

    func testNegativeOnlyWhenAllowed() {
        XCTAssertNil(parse("-2.5ms"))
        XCTAssertEqual(parse("-2.5ms", negative: true)?.0, -2.5)
        XCTAssertEqual(parse("-2.5ms", negative: true)?.1, "ms")
        XCTAssertNil(parse("-x", negative: true))
    }

    func testUnitClasses() {
        let cases: [(String, L2metUnit)] = [
            ("", .none), ("ns", .seconds(1e9)), ("us", .seconds(1e6)), ("ms", .seconds(1e3)), ("s", .seconds(1)),
            ("B", .bytes(1)), ("bytes", .bytes(1)), ("kB", .bytes(1024)), ("KB", .bytes(1024)),
            ("MB", .bytes(1_048_576)), ("GB", .bytes(1_073_741_824)), ("pages", .other), ("mb", .other),
        ]
        for (text, unit) in cases {
            XCTAssertEqual(Array(text.utf8).withUnsafeBytes { L2metUnit.classify($0) }, unit, text)
        }
    }

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

    func testNearestRankAsL2metComputesIt() {
        let hundred = (1...100).map(Double.init)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.5), 51)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.95), 96)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.99), 100)
        XCTAssertEqual(L2metSampleWriter.nearestRank(hundred, 0.29), 30)
        let ten = (1...10).map(Double.init)
        XCTAssertEqual(L2metSampleWriter.nearestRank(ten, 0.5), 6)
        XCTAssertEqual(L2metSampleWriter.nearestRank(ten, 0.95), 10)
        XCTAssertEqual(L2metSampleWriter.nearestRank(ten, 0.99), 10)
        XCTAssertEqual(L2metSampleWriter.nearestRank([1, 2, 3, 4], 0.5), 3)
        XCTAssertEqual(L2metSampleWriter.nearestRank([7], 0.99), 7)
        XCTAssertEqual(L2metSampleWriter.nearestRank([1, 2], 1), 2)
    }

    func testSeriesIndexFindsInsertsRemovesAndReusesIds() {
        var index = MetricSeriesIndex(capacity: 4)
        let keys = (0..<1000).map { Array("series-\($0)".utf8) }
        let ids = keys.map { k in k.withUnsafeBytes { index.insert($0, hash: MetricSeriesIndex.hash($0)) } }
        XCTAssertEqual(ids, (0..<1000).map(Int32.init))
        for (k, id) in zip(keys, ids) { XCTAssertEqual(k.withUnsafeBytes { index.find($0, hash: MetricSeriesIndex.hash($0)) }, id) }
        index.remove(7)
        XCTAssertNil(keys[7].withUnsafeBytes { index.find($0, hash: MetricSeriesIndex.hash($0)) })
        XCTAssertEqual(index.count, 999)
        let again = Array("new".utf8).withUnsafeBytes { index.insert($0, hash: MetricSeriesIndex.hash($0)) }
        XCTAssertEqual(again, 7)
        XCTAssertEqual(keys[8].withUnsafeBytes { index.find($0, hash: MetricSeriesIndex.hash($0)) }, 8)
        // Same hash, different bytes: both found (collisions are checked, not trusted).
        let a = Array("a".utf8).withUnsafeBytes { index.insert($0, hash: 42) }
        let b = Array("b".utf8).withUnsafeBytes { index.insert($0, hash: 42) }
        XCTAssertEqual(Array("a".utf8).withUnsafeBytes { index.find($0, hash: 42) }, a)
        XCTAssertEqual(Array("b".utf8).withUnsafeBytes { index.find($0, hash: 42) }, b)
    }
}
