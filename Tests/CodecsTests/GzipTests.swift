import Codecs
import NIOCore
import XCTest

final class GzipTests: XCTestCase {
    private func text(_ lines: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        for i in 0..<lines { buffer.writeString("at=info method=GET path=/items/\(i) host=app.example status=200 bytes=\(i * 7)\n") }
        return buffer
    }

    func testRoundTripsAndReusesTheCompressor() throws {
        let gzip = Gzip()
        var compressed = ByteBuffer()
        for input in [text(1), text(2000), ByteBuffer(), text(10)] {
            gzip.compress(input, into: &compressed)
            XCTAssertEqual(compressed.getBytes(at: compressed.readerIndex, length: 2), [0x1F, 0x8B], "a gzip member")
            XCTAssertEqual(Gzip.decompress(compressed), input)
        }
        gzip.compress(text(2000), into: &compressed)
        XCTAssertLessThan(compressed.readableBytes, text(2000).readableBytes / 4, "log text compresses")
    }

    func testRefusesDamagedTruncatedAndOversizedBodies() {
        var compressed = ByteBuffer()
        Gzip().compress(text(500), into: &compressed)
        XCTAssertNil(Gzip.decompress(ByteBuffer(string: "not gzip at all")))
        XCTAssertNil(Gzip.decompress(compressed.getSlice(at: 0, length: compressed.readableBytes - 10)!), "cut short")
        XCTAssertNil(Gzip.decompress(compressed, limit: text(500).readableBytes - 1), "over the limit")
        XCTAssertEqual(Gzip.decompress(compressed, limit: text(500).readableBytes), text(500), "exactly the limit")
        var trailing = compressed
        trailing.writeString("x")
        XCTAssertNil(Gzip.decompress(trailing), "bytes after the member")
    }
}
