import Codecs
@testable import Outputs
import XCTest

/// Severity names to numbers, and the UTF-8 check that decides `string_value` or `bytes_value`.
final class OpenTelemetryLogRecordTests: XCTestCase {
    private func number(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { OpenTelemetryLogSeverity.number(UnsafeRawBufferPointer($0)) }
    }

    func testSeverityNumbers() {
        let table: [(String, UInt64)] = [
            ("emerg", 21), ("alert", 19), ("crit", 18), ("err", 17), ("warning", 13), ("notice", 10), ("info", 9),
            ("debug", 5), ("TRACE", 1), ("Info", 9), ("WARN", 13), ("ERROR", 17), ("FATAL", 21), ("critical", 18),
            ("emergency", 21), ("panic", 21), ("informational", 9), ("INFO2", 10), ("error4", 20), ("FATAL3", 23),
            ("trace2", 2), ("warn1", 0), ("info5", 0), ("crit2", 0), ("verbose", 0), ("", 0), ("e", 0),
        ]
        for (text, expected) in table { XCTAssertEqual(number(text), expected, text) }
    }

    func testUTF8Validation() {
        let valid: [[UInt8]] = [
            [], Array("plain ascii over eight bytes".utf8), Array("é€😀".utf8), [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0x9F, 0xBF],
        ]
        let invalid: [[UInt8]] = [
            [0xFF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x80], [0xC3, 0x28],
        ]
        for bytes in valid { XCTAssertTrue(bytes.withUnsafeBytes(UTF8Validation.isValid), "\(bytes)") }
        for bytes in invalid { XCTAssertFalse(bytes.withUnsafeBytes(UTF8Validation.isValid), "\(bytes)") }
    }
}
