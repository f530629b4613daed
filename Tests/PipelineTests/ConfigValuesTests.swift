import Pipeline
import XCTest

final class ConfigValuesTests: XCTestCase {
    func testDurations() {
        XCTAssertEqual(ConfigValues.duration("500ms"), .milliseconds(500))
        XCTAssertEqual(ConfigValues.duration("15s"), .seconds(15))
        XCTAssertEqual(ConfigValues.duration("5m"), .seconds(300))
        XCTAssertEqual(ConfigValues.duration("1h"), .seconds(3600))
        XCTAssertEqual(ConfigValues.duration("1d"), .seconds(86_400))
        XCTAssertEqual(ConfigValues.duration("1m30s"), .seconds(90))
        XCTAssertEqual(ConfigValues.duration("1h2m3s4ms"), .seconds(3723) + .milliseconds(4))
        XCTAssertEqual(ConfigValues.duration("1.5s"), .milliseconds(1500))
        XCTAssertEqual(ConfigValues.duration("250us"), .microseconds(250))
        XCTAssertEqual(ConfigValues.duration("250µs"), .microseconds(250))
        XCTAssertEqual(ConfigValues.duration("10ns"), .nanoseconds(10))
        XCTAssertEqual(ConfigValues.duration("0"), .zero)
        XCTAssertEqual(ConfigValues.duration("0s"), .zero)
    }

    func testBadDurations() {
        for text in ["", "lots", "15", "s", "15 s", " 15s", "15s ", "-5s", "15S", "5mins", "1.2.3s", "1e3s", "ms500", "00"] {
            XCTAssertNil(ConfigValues.duration(text), "'\(text)' must not parse")
        }
    }

    func testHugeDurationsAreRejectedNotTrapped() {
        XCTAssertNil(ConfigValues.duration("9999999999h"))
        XCTAssertNil(ConfigValues.duration(String(repeating: "9", count: 400) + "s"))
    }

    func testDurationFormatting() {
        XCTAssertEqual(Duration.milliseconds(250).formatted, "250ms")
        XCTAssertEqual(Duration.milliseconds(1500).formatted, "1.5s")
        XCTAssertEqual(Duration.seconds(30).formatted, "30s")
        XCTAssertEqual(Duration.zero.formatted, "0ms")
        XCTAssertEqual(Duration.seconds(2).nanoseconds, 2_000_000_000)
        XCTAssertEqual(Duration.milliseconds(1500).seconds, 1.5)
    }

    func testSizes() {
        XCTAssertEqual(ConfigValues.size("512KiB"), 512 * 1024)
        XCTAssertEqual(ConfigValues.size("64MiB"), 64 * 1024 * 1024)
        XCTAssertEqual(ConfigValues.size("1GiB"), 1 << 30)
        XCTAssertEqual(ConfigValues.size("10MB"), 10_000_000)
        XCTAssertEqual(ConfigValues.size("100KB"), 100_000)
        XCTAssertEqual(ConfigValues.size("2k"), 2000)
        XCTAssertEqual(ConfigValues.size("42B"), 42)
        XCTAssertEqual(ConfigValues.size("4096"), 4096)
        XCTAssertEqual(ConfigValues.size("0"), 0)
        XCTAssertEqual(ConfigValues.size("1.5KiB"), 1536)
        XCTAssertEqual(ConfigValues.size("10 MB"), 10_000_000)
    }

    func testBadSizes() {
        for text in ["", "MiB", "lots", "10XB", "10mb", "-1", "1e9", " 10", "99999999999GiB"] {
            XCTAssertNil(ConfigValues.size(text), "'\(text)' must not parse")
        }
    }

    func testHostPort() throws {
        let v4 = try XCTUnwrap(ConfigValues.hostPort("127.0.0.1:9598"))
        XCTAssertEqual(v4.host, "127.0.0.1")
        XCTAssertEqual(v4.port, 9598)
        let v6 = try XCTUnwrap(ConfigValues.hostPort("[::1]:80"))
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 80)
        XCTAssertEqual(ConfigValues.hostPort("localhost:0")?.port, 0)
        XCTAssertEqual(ConfigValues.hostPort("0.0.0.0:65535")?.port, 65535)
        for text in ["", "localhost", ":80", "host:", "host:65536", "host:-1", "host:http", "[::1]", "[::1]80", "[::1:80", "[]:80"] {
            XCTAssertNil(ConfigValues.hostPort(text), "'\(text)' must not parse")
        }
    }

    func testHTTPURL() throws {
        let plain = try XCTUnwrap(ConfigValues.httpURL("http://loki:3100/loki/api/v1/push"))
        XCTAssertEqual(plain.scheme, "http")
        XCTAssertEqual(plain.host, "loki")
        XCTAssertEqual(plain.port, 3100)
        XCTAssertEqual(plain.path, "/loki/api/v1/push")
        let tls = try XCTUnwrap(ConfigValues.httpURL("https://example.com"))
        XCTAssertEqual(tls.port, 443)
        XCTAssertEqual(tls.path, "/")
        XCTAssertEqual(ConfigValues.httpURL("http://example.com?x=1")?.path, "?x=1")
        XCTAssertEqual(ConfigValues.httpURL("http://user:pw@example.com:8080/p")?.host, "example.com")
        XCTAssertEqual(ConfigValues.httpURL("http://user:pw@example.com:8080/p")?.port, 8080)
        let v6 = try XCTUnwrap(ConfigValues.httpURL("http://[::1]:9090/metrics"))
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 9090)
        let v6NoPort = try XCTUnwrap(ConfigValues.httpURL("http://[::1]/metrics"))
        XCTAssertEqual(v6NoPort.host, "::1", "brackets are stripped with or without a port")
        XCTAssertEqual(v6NoPort.port, 80)
        for text in ["", "ftp://x", "example.com", "http://", "http:///path", "http://host:abc/", "HTTP//x", "http://[::1/x", "http://[]/x"] {
            XCTAssertNil(ConfigValues.httpURL(text), "'\(text)' must not parse")
        }
    }

    func testEditDistance() {
        XCTAssertEqual(ConfigValues.editDistance("", ""), 0)
        XCTAssertEqual(ConfigValues.editDistance("abc", ""), 3)
        XCTAssertEqual(ConfigValues.editDistance("", "ab"), 2)
        XCTAssertEqual(ConfigValues.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(ConfigValues.editDistance("batch_size", "batch_size"), 0)
        XCTAssertEqual(ConfigValues.editDistance("flaw", "lawn"), 2)
    }

    func testSuggestion() {
        let options = ["batch_size", "max_bytes", "source", "count"]
        XCTAssertEqual(ConfigValues.suggestion(for: "batchsize", among: options), "batch_size")
        XCTAssertEqual(ConfigValues.suggestion(for: "sourec", among: options), "source")
        XCTAssertEqual(ConfigValues.suggestion(for: "cuont", among: options), "count")
        XCTAssertNil(ConfigValues.suggestion(for: "completely_different", among: options))
        XCTAssertNil(ConfigValues.suggestion(for: "x", among: []))
        // Longer words tolerate more edits: a third of their length.
        XCTAssertEqual(ConfigValues.suggestion(for: "mx_byts_limit", among: ["max_bytes_limit"]), "max_bytes_limit")
    }
}
