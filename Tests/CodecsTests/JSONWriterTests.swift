import Codecs
import Foundation
import NIOCore
import XCTest

final class JSONWriterTests: XCTestCase {
    private func string(_ s: String) -> String {
        var buffer = ByteBuffer()
        JSONWriter.writeString(s, into: &buffer)
        return String(buffer: buffer)
    }

    private func bytes(_ b: [UInt8]) -> String {
        var buffer = ByteBuffer()
        b.withUnsafeBytes { JSONWriter.writeString($0, into: &buffer) }
        return String(buffer: buffer)
    }

    private func int(_ v: Int64) -> String {
        var buffer = ByteBuffer()
        JSONWriter.writeInt(v, into: &buffer)
        return String(buffer: buffer)
    }

    private func double(_ v: Double) -> String {
        var buffer = ByteBuffer()
        JSONWriter.writeDouble(v, into: &buffer)
        return String(buffer: buffer)
    }

    func testPlainStrings() {
        XCTAssertEqual(string(""), #""""#)
        XCTAssertEqual(string("hello world"), #""hello world""#)
        XCTAssertEqual(string("héllo ✓"), "\"héllo ✓\"", "bytes above 0x7f pass through")
    }

    func testEscapesQuotesAndBackslashes() {
        XCTAssertEqual(string(#"say "hi""#), #""say \"hi\"""#)
        XCTAssertEqual(string(#"C:\path\"#), #""C:\\path\\""#)
        XCTAssertEqual(string(#"\""#), #""\\\"""#)
    }

    func testEscapesControlBytes() {
        XCTAssertEqual(string("a\nb"), #""a\nb""#)
        XCTAssertEqual(string("\r\t"), #""\r\t""#)
        XCTAssertEqual(bytes([0x00, 0x01, 0x1f, 0x20, 0x7f]), "\"\\u0000\\u0001\\u001f \u{7f}\"")
        XCTAssertEqual(bytes([0x08, 0x0c, 0x1b]), #""\u0008\u000c\u001b""#)
    }

    func testEveryASCIIStringDecodesBack() throws {
        let all = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        let json = "[" + string(all) + "]"
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
        XCTAssertEqual(decoded, [all])
    }

    func testIntegers() {
        XCTAssertEqual(int(0), "0")
        XCTAssertEqual(int(7), "7")
        XCTAssertEqual(int(-1), "-1")
        XCTAssertEqual(int(1_234_567_890), "1234567890")
        XCTAssertEqual(int(Int64.max), "9223372036854775807")
        XCTAssertEqual(int(Int64.min), "-9223372036854775808")
        XCTAssertEqual(int(Int64.min + 1), "-9223372036854775807")
    }

    func testIntegersAppend() {
        var buffer = ByteBuffer(string: "[")
        for v: Int64 in [1, -20, 300] {
            JSONWriter.writeInt(v, into: &buffer)
            buffer.writeString(",")
        }
        XCTAssertEqual(String(buffer: buffer), "[1,-20,300,")
    }

    func testDoubles() {
        XCTAssertEqual(double(0), "0")
        XCTAssertEqual(double(3), "3")
        XCTAssertEqual(double(-42), "-42")
        XCTAssertEqual(double(1.5), "1.5")
        XCTAssertEqual(double(0.001), "0.001")
        XCTAssertEqual(double(1e20), "1e+20")
        XCTAssertEqual(double(.nan), #""NaN""#)
        XCTAssertEqual(double(.infinity), #""+Inf""#)
        XCTAssertEqual(double(-.infinity), #""-Inf""#)
    }
}
