import Codecs
import Foundation
import XCTest

/// `RawWriter.writeJSONString` skips eight bytes at a time; every escape must still be found
/// wherever it sits in a word, compared with a byte-by-byte reference.
final class RawWriterTests: XCTestCase {
    private func written(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: RawWriter.jsonStringBound(bytes.count))
        let count = out.withUnsafeMutableBytes { space in
            bytes.withUnsafeBytes { input in
                var writer = RawWriter(space)
                writer.writeJSONString(input)
                return writer.count
            }
        }
        return Array(out[..<count])
    }

    private func reference(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in bytes {
            switch b {
            case 0x22: out += Array(#"\""#.utf8)
            case 0x5C: out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case ..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    func testEscapesAtEveryPositionOfAWord() {
        for special: UInt8 in [0x00, 0x01, 0x09, 0x0A, 0x1F, 0x22, 0x5C] {
            for length in 0...25 {
                for position in 0..<max(length, 1) where length > 0 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = special
                    XCTAssertEqual(written(bytes), reference(bytes), "byte \(special) at \(position) of \(length)")
                }
            }
        }
    }

    func testRandomBytesMatchTheReference() {
        var random = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x00, 0x07, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xC3, 0xA9, 0xFF]
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...70, using: &random)).map { _ in
                Bool.random(using: &random) ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0x20...0x7E, using: &random)
            }
            XCTAssertEqual(written(bytes), reference(bytes), "\(bytes)")
        }
    }

    func testUTF8PassesUnchanged() {
        let text = Array("héllo wörld — ünïcode ✓ in a line longer than a word".utf8)
        XCTAssertEqual(written(text), [0x22] + text + [0x22])
    }
}
