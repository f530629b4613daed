import Codecs
import NIOCore
import XCTest

final class OTLPAnyValueTests: XCTestCase {
    /// Reads the `AnyValue` that `write` encodes and passes it to `body`.
    private func withValue<R>(_ write: (inout ProtobufWriter) -> Void, _ body: (OTLPAnyValue) throws -> R) throws -> R {
        var w = ProtobufWriter()
        write(&w)
        let bytes = Array(buffer: w.buffer)
        return try bytes.withUnsafeBytes { raw in try body(OTLPAnyValue(buffer: raw, range: 0..<raw.count)) }
    }

    private func json(_ write: (inout ProtobufWriter) -> Void) throws -> String {
        try withValue(write) { value in
            var out = ByteBuffer()
            try value.writeJSON(into: &out)
            return String(buffer: out)
        }
    }

    private func text(_ write: (inout ProtobufWriter) -> Void) throws -> String {
        try withValue(write) { value in
            var out = ByteBuffer()
            try value.writeText(into: &out)
            return String(buffer: out)
        }
    }

    func testScalars() throws {
        try withValue({ $0.stringField(1, "hé") }) { v in
            XCTAssertEqual(v.kind, .string)
            XCTAssertEqual(v.withString { String(decoding: $0, as: UTF8.self) }, "hé")
            XCTAssertEqual(v.stringRange?.count, 3)
            XCTAssertNil(v.intValue)
        }
        try withValue({ $0.varintField(2, 1) }) { v in XCTAssertEqual(v.boolValue, true) }
        try withValue({ $0.varintField(3, UInt64(bitPattern: -7)) }) { v in XCTAssertEqual(v.intValue, -7) }
        try withValue({ $0.doubleField(4, -1.25) }) { v in XCTAssertEqual(v.doubleValue, -1.25) }
        try withValue({ _ in }) { v in
            XCTAssertEqual(v.kind, .empty)
            XCTAssertNil(v.stringBytes)
            XCTAssertNil(v.boolValue)
        }
    }

    func testJSON() throws {
        XCTAssertEqual(try json { $0.stringField(1, "a\"b\n") }, #""a\"b\n""#)
        XCTAssertEqual(try json { $0.varintField(2, 0) }, "false")
        XCTAssertEqual(try json { $0.varintField(3, UInt64(bitPattern: Int64.min)) }, "-9223372036854775808")
        XCTAssertEqual(try json { $0.doubleField(4, 0.5) }, "0.5")
        XCTAssertEqual(try json { _ in }, "null")
        XCTAssertEqual(try json { w in
            w.messageField(5) { array in
                array.messageField(1) { $0.stringField(1, "x") }
                array.messageField(1) { $0.messageField(6) { list in
                    list.messageField(1) { kv in
                        kv.stringField(1, "k")
                        kv.messageField(2) { $0.varintField(2, 1) }
                    }
                    list.messageField(1) { $0.stringField(1, "no value") }
                } }
                array.messageField(1) { $0.messageField(5) { _ in } }
            }
        }, #"["x",{"k":true,"no value":null},[]]"#)
    }

    /// RFC 4648 §10 test vectors.
    func testBytesAreBase64() throws {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (input, expected) in vectors {
            XCTAssertEqual(try json { w in Array(input.utf8).withUnsafeBytes { w.bytesField(7, $0) } }, "\"\(expected)\"")
        }
    }

    func testTextWritesStringsRaw() throws {
        XCTAssertEqual(try text { $0.stringField(1, "say \"hi\"") }, #"say "hi""#)
        XCTAssertEqual(try text { $0.varintField(3, 42) }, "42")
        XCTAssertEqual(try text { $0.messageField(5) { $0.messageField(1) { $0.stringField(1, "x") } } }, #"["x"]"#)
    }

    /// In a protobuf oneof, the member set last wins.
    func testLastOneofMemberWins() throws {
        try withValue({ w in
            w.stringField(1, "first")
            w.varintField(3, 9)
        }) { v in
            XCTAssertEqual(v.kind, .int)
            XCTAssertEqual(v.intValue, 9)
        }
    }

    func testUnknownFieldsAreSkipped() throws {
        XCTAssertEqual(try json { w in
            w.varintField(99, 1)
            w.stringField(1, "v")
            w.fixed64Field(100, 1)
        }, #""v""#)
    }

    func testWrongWireTypeThrows() {
        XCTAssertThrowsError(try withValue({ $0.fixed64Field(3, 1) }) { _ in })
        XCTAssertThrowsError(try withValue({ $0.varintField(1, 1) }) { _ in })
    }

    func testArrayElementsAndKVList() throws {
        try withValue({ w in
            w.messageField(5) { array in
                for n in [3, 1, 2] { array.messageField(1) { $0.varintField(3, UInt64(n)) } }
            }
        }) { v in
            var elements: [Int64] = []
            try v.forEachElement { elements.append($0.intValue ?? -1) }
            XCTAssertEqual(elements, [3, 1, 2])
            XCTAssertNil(v.kvlistValue)
        }
        try withValue({ w in
            w.messageField(6) { list in
                for (k, s) in [("a", "1"), ("b", "2"), ("a", "3")] {
                    list.messageField(1) { kv in
                        kv.stringField(1, k)
                        kv.messageField(2) { $0.stringField(1, s) }
                    }
                }
            }
        }) { v in
            let list = try XCTUnwrap(v.kvlistValue)
            var entries: [String] = []
            try list.forEach { key, value in
                entries.append(String(decoding: key, as: UTF8.self) + "=" + (value.withString { String(decoding: $0, as: UTF8.self) } ?? "?"))
            }
            XCTAssertEqual(entries, ["a=1", "b=2", "a=3"])
            XCTAssertEqual(try list.first(key: "a")?.withString { String(decoding: $0, as: UTF8.self) }, "1", "the first entry wins")
            XCTAssertNil(try list.first(key: "c"))
        }
    }

    /// Arrays nested `depth` deep around an int.
    private func nested(_ depth: Int) -> [UInt8] {
        var value: [UInt8] = [0x18, 0x01]
        for _ in 0..<depth {
            var w = ProtobufWriter()
            w.messageField(5) { array in value.withUnsafeBytes { array.bytesField(1, $0) } }
            value = Array(buffer: w.buffer)
        }
        return value
    }

    func testNestingDepthIsBounded() throws {
        for (depth, accepted) in [(OTLPAnyValue.maxDepth - 1, true), (OTLPAnyValue.maxDepth, false), (2000, false)] {
            let bytes = nested(depth)
            let written: String? = try bytes.withUnsafeBytes { raw in
                var out = ByteBuffer()
                let value = try OTLPAnyValue(buffer: raw, range: 0..<raw.count)
                return (try? value.writeJSON(into: &out)).map { String(buffer: out) }
            }
            XCTAssertEqual(written != nil, accepted, "depth \(depth)")
            if let written { XCTAssertEqual(written, String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)) }
        }
    }
}
