import Codecs
import Foundation
import Logging
import Pipeline
import XCTest

final class RedactorTests: XCTestCase {
    func testReplacesEverySecretOccurrence() {
        XCTAssertEqual(Redactor.redact("token=abc123 again abc123", secrets: ["abc123"]), "token=<redacted> again <redacted>")
        XCTAssertEqual(Redactor.redact("user=bob pass=hunter2", secrets: ["bob", "hunter2"]), "user=<redacted> pass=<redacted>")
    }

    func testShortValuesAndEmptySetsLeaveTextAlone() {
        XCTAssertEqual(Redactor.redact("a=1 b=22", secrets: ["1", "22", ""]), "a=1 b=22", "values under three characters are not secrets")
        XCTAssertEqual(Redactor.redact("nothing to hide", secrets: []), "nothing to hide")
        XCTAssertEqual(Redactor.redact("no match here", secrets: ["zzz"]), "no match here")
    }

    func testLongestSecretWinsWhenSecretsOverlap() {
        XCTAssertEqual(Redactor.redact("key=abcdef", secrets: ["abc", "abcdef"]), "key=<redacted>")
        XCTAssertEqual(Redactor.redact("key=abcdef", secrets: ["abcdef", "abc"]), "key=<redacted>")
    }

    func testRegisteredSecretsApplyToLaterCalls() {
        let secret = "registered-\(UUID().uuidString)"
        XCTAssertEqual(Redactor.redact("x \(secret)"), "x \(secret)")
        Redactor.register([secret, "ab"])
        XCTAssertEqual(Redactor.redact("x \(secret) y"), "x <redacted> y")
        XCTAssertEqual(Redactor.redact("ab stays"), "ab stays", "short values are not registered")
    }

    func testLogHandlerRedactsMessagesAndMetadata() throws {
        let secret = "s3cret-\(UUID().uuidString)"
        Redactor.register([secret])
        let path = NSTemporaryDirectory() + "pipectl-redactor-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var settings = LogSettings()
        settings.format = .json
        let sink = try LogSink(path: path)
        var logger = Logger(label: "t") { PipectlLogHandler(label: $0, settings: settings, sink: sink) }
        logger[metadataKey: "component"] = "out"
        logger.warning("connecting with \(secret)", metadata: ["url": "https://u:\(secret)@host/"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(text.contains(secret), text)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        XCTAssertEqual(object["msg"], "connecting with <redacted>")
        XCTAssertEqual(object["url"], "https://u:<redacted>@host/")
        XCTAssertEqual(object["level"], "warning")
        XCTAssertEqual(object["component"], "out")
        var time = try XCTUnwrap(object["time"])
        XCTAssertNotNil(time.withUTF8 { RFC3339.parse(UnsafeRawBufferPointer($0)) }, "time is RFC 3339")
    }
}

