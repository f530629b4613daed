import Codecs
import PipelineTesting
import XCTest

/// `ChunkedLineDecoder`: lines of a chunked (or plain) HTTP body, fed all at once, byte by
/// byte and in random chunks.
final class ChunkedLineDecoderTests: XCTestCase {
    private struct Decoded: Equatable, CustomStringConvertible {
        var lines: [String] = []
        var failure: ChunkedLineDecoder.Failure?
        var done = false
        var description: String { "\(lines) failure \(failure.map(String.init(describing:)) ?? "none") done \(done)" }
    }

    /// Decodes `reads` with a fresh decoder; the unfinished line at the end counts as a line.
    private func decode(_ reads: [[UInt8]], chunked: Bool = true) -> [Decoded] {
        var decoder = ChunkedLineDecoder(chunked: chunked)
        var result = Decoded()
        do {
            for read in reads {
                result.lines += try decoder.feed(read).map { String(decoding: $0, as: UTF8.self) }
            }
        } catch {
            result.failure = error
        }
        if let rest = decoder.finish() { result.lines.append(String(decoding: rest, as: UTF8.self)) }
        result.done = decoder.isDone
        return [result]
    }

    private func chunked(_ pieces: [String], trailer: String = "") -> [UInt8] {
        var body = ""
        for p in pieces { body += String(p.utf8.count, radix: 16) + "\r\n" + p + "\r\n" }
        return Array((body + "0\r\n" + trailer + "\r\n").utf8)
    }

    func testLinesAcrossChunksEveryFeeding() throws {
        // Lines split across chunk boundaries, a chunk holding several lines, an extension, a trailer.
        let body = chunked(["{\"a\":1}\n{\"b\"", ":2}\n", "{\"c\":3}\n{\"d\":4}\n"], trailer: "X-Trailer: 1\r\n")
        let decoded = try DecoderVerifier().verify(body) { decode($0) }
        XCTAssertEqual(decoded, [Decoded(lines: ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}"], done: true)])
    }

    func testChunkExtensionsAndUppercaseHexAreAccepted() throws {
        let text = String(repeating: "x", count: 26) + "\n"
        let body = Array("1B;name=value\r\n\(text)\r\n0\r\n\r\n".utf8)
        let decoded = try DecoderVerifier().verify(body) { decode($0) }
        XCTAssertEqual(decoded, [Decoded(lines: [String(repeating: "x", count: 26)], done: true)])
    }

    func testAPlainBodyIsSplitAtNewlinesAndItsLastLineKept() throws {
        let decoded = try DecoderVerifier().verify(Array("one\ntwo\nthree".utf8)) { decode($0, chunked: false) }
        XCTAssertEqual(decoded, [Decoded(lines: ["one", "two", "three"], done: false)])
    }

    func testAnUnfinishedBodyIsNotDone() throws {
        let body = Array("5\r\nab\ncd\r\n".utf8)
        let decoded = try DecoderVerifier().verify(body) { decode($0) }
        XCTAssertEqual(decoded, [Decoded(lines: ["ab", "cd"], done: false)])
    }

    func testABadChunkSizeIsRefused() throws {
        let decoded = try DecoderVerifier().verify(Array("zz\r\nab\r\n".utf8)) { decode($0) }
        XCTAssertEqual(decoded.first?.failure, .badChunkSize("zz"))
    }

    func testAChunkWithoutItsCRLFIsRefused() throws {
        let decoded = try DecoderVerifier().verify(Array("2\r\nabXY3\r\n".utf8)) { decode($0) }
        XCTAssertEqual(decoded.first?.failure, .missingChunkEnd)
        XCTAssertEqual(decoded.first?.lines, ["ab"], "what came before the fault is kept")
    }

    func testAnEndlessSizeLineIsRefused() {
        var decoder = ChunkedLineDecoder(chunked: true)
        XCTAssertThrowsError(try decoder.feed(Array(repeating: UInt8(ascii: "1"), count: 2000)))
    }
}
