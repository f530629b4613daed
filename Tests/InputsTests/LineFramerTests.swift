@testable import Inputs
import Pipeline
import PipelineTesting
import XCTest

final class LineFramerTests: XCTestCase {
    /// Feeds `chunks` to a framer, then flushes when asked; returns the lines and the truncation count.
    private func frame(_ chunks: [[UInt8]], max: Int = 1024, flush: Bool = false) -> (lines: [String], truncated: Int) {
        var framer = LineFramer(maxLineBytes: max)
        var batch = LogBatch()
        for chunk in chunks {
            chunk.withUnsafeBytes { framer.frame($0, timestamp: 7, into: &batch) }
        }
        if flush { framer.flush(timestamp: 7, into: &batch) }
        return ((0..<batch.count).map { batch.message($0) }, framer.truncatedLines)
    }

    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The lines and the truncation count of every feeding of `text`, which must all agree.
    private func everyFeeding(_ text: String, max: Int, flush: Bool = true) throws -> [String] {
        try DecoderVerifier(seeds: Array(1...20), maxChunk: 40).verify(bytes(text)) { chunks in
            let result = frame(chunks, max: max, flush: flush)
            return result.lines + ["truncated \(result.truncated)"]
        }
    }

    private let sample = "first line\nsecond=2 with spaces\n\nafter an empty line\nlast\n"
    private let sampleLines = ["first line", "second=2 with spaces", "", "after an empty line", "last"]

    func testAllAtOnce() {
        let result = frame([bytes(sample)])
        XCTAssertEqual(result.lines, sampleLines)
        XCTAssertEqual(result.truncated, 0)
    }

    func testByteByByte() {
        let result = frame(bytes(sample).map { [$0] })
        XCTAssertEqual(result.lines, sampleLines)
        XCTAssertEqual(result.truncated, 0)
    }

    func testRandomChunksGiveTheSameLines() throws {
        var text = ""
        for n in 0..<300 { text += String(repeating: "x", count: n % 97) + "-\(n)\n" }
        let expected = (0..<300).map { String(repeating: "x", count: $0 % 97) + "-\($0)" }
        XCTAssertEqual(try everyFeeding(text, max: 1024), expected + ["truncated 0"])
    }

    func testEveryFeedingGivesTheSameLines() throws {
        let long = String(repeating: "L", count: 100)
        let cases: [(text: String, max: Int, lines: [String])] = [
            ("a\r\nbb\r\n\r\nc\n", 8, ["a", "bb", "", "c", "truncated 0"]),
            ("\n\n\r\n\n", 8, ["", "", "", "", "truncated 0"]),
            ("12345678\n123456789\r\n\(long)\r\nok", 8, ["12345678", "12345678", "LLLLLLLL", "ok", "truncated 2"]),
            ("x\r\n\(long)\(long)\nmid\r\n\(long)", 64, ["x", String(long.prefix(64)), "mid", String(long.prefix(64)), "truncated 2"]),
            ("a\rb\r\r\ntail\r", 8, ["a\rb\r", "tail", "truncated 0"]),
        ]
        for (text, max, lines) in cases {
            XCTAssertEqual(try everyFeeding(text, max: max), lines, text.debugDescription)
        }
    }

    func testTimestampAndEmptyChunk() {
        var framer = LineFramer(maxLineBytes: 100)
        var batch = LogBatch()
        [UInt8]().withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(batch.count, 0)
        bytes("a\nb\n").withUnsafeBytes { framer.frame($0, timestamp: 42, into: &batch) }
        XCTAssertEqual(batch.records.map(\.timestamp), [42, 42])
    }

    func testCRLFIsStripped() {
        XCTAssertEqual(frame([bytes("a\r\nbb\r\n\r\nc\n")]).lines, ["a", "bb", "", "c"])
        // The CR and LF arrive in different reads.
        XCTAssertEqual(frame([bytes("a\r"), bytes("\nb\r"), bytes("\n")]).lines, ["a", "b"])
        XCTAssertEqual(frame(bytes("x\r\ny\r\n").map { [$0] }).lines, ["x", "y"])
        // Only a trailing CR goes; one inside the line stays.
        XCTAssertEqual(frame([bytes("a\rb\n")]).lines, ["a\rb"])
    }

    func testEmptyLines() {
        XCTAssertEqual(frame([bytes("\n\n\n")]).lines, ["", "", ""])
        XCTAssertEqual(frame([bytes("\n"), bytes("\n")]).lines, ["", ""])
    }

    func testFinalLineWithoutNewlineNeedsFlush() {
        var framer = LineFramer(maxLineBytes: 100)
        var batch = LogBatch()
        bytes("one\ntwo\nthr").withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(batch.messages, ["one", "two"])
        XCTAssertEqual(framer.pendingBytes, 3)
        bytes("ee").withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(framer.pendingBytes, 5)
        framer.flush(timestamp: 1, into: &batch)
        XCTAssertEqual(batch.messages, ["one", "two", "three"])
        XCTAssertEqual(framer.pendingBytes, 0)
        // A second flush has nothing to emit.
        framer.flush(timestamp: 1, into: &batch)
        XCTAssertEqual(batch.count, 3)
    }

    func testFlushWithNothingPendingEmitsNothing() {
        XCTAssertEqual(frame([bytes("a\n")], flush: true).lines, ["a"])
        XCTAssertEqual(frame([], flush: true).lines, [])
        XCTAssertEqual(frame([bytes("tail\r")], flush: true).lines, ["tail"])
    }

    func testOverlongLineIsCutAndCountedAllAtOnce() {
        let result = frame([bytes("0123456789ABCDEF\nok\n")], max: 8)
        XCTAssertEqual(result.lines, ["01234567", "ok"])
        XCTAssertEqual(result.truncated, 1)
    }

    func testOverlongLineIsCutAndCountedByteByByte() {
        let result = frame(bytes("0123456789ABCDEF\nok\n0123456789\n").map { [$0] }, max: 8)
        XCTAssertEqual(result.lines, ["01234567", "ok", "01234567"])
        XCTAssertEqual(result.truncated, 2)
    }

    func testOverlongLineAcrossRandomChunks() throws {
        let long = String(repeating: "L", count: 300)
        let text = "short\n\(long)\nmiddle\n\(long)\(long)\nend\n"
        let cut = String(repeating: "L", count: 64)
        XCTAssertEqual(try everyFeeding(text, max: 64), ["short", cut, "middle", cut, "end", "truncated 2"])
    }

    func testRestOfOverlongLineIsDiscardedUpToNewline() {
        var framer = LineFramer(maxLineBytes: 4)
        var batch = LogBatch()
        bytes("abcdef").withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(batch.count, 0)
        XCTAssertEqual(framer.pendingBytes, 6, "every byte of the unfinished line counts")
        bytes("ghijkl").withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(framer.pendingBytes, 12)
        bytes("mn\nnext\n").withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(batch.messages, ["abcd", "next"])
        XCTAssertEqual(framer.truncatedLines, 1)
    }

    func testLineOfExactlyMaxIsNotTruncated() {
        let whole = frame([bytes("12345678\n")], max: 8)
        XCTAssertEqual(whole.lines, ["12345678"])
        XCTAssertEqual(whole.truncated, 0)
        let split = frame(bytes("12345678\n").map { [$0] }, max: 8)
        XCTAssertEqual(split.lines, ["12345678"])
        XCTAssertEqual(split.truncated, 0)
    }

    func testOverlongFinalLineIsCutOnFlush() {
        let result = frame([bytes("0123456789")], max: 4, flush: true)
        XCTAssertEqual(result.lines, ["0123"])
        XCTAssertEqual(result.truncated, 1)
    }
}

extension LineFramerTests {
    /// `pendingBytes` is what a checkpoint subtracts from the read offset to point at the
    /// start of the unfinished line, so it counts the discarded bytes of a long line too.
    func testPendingBytesCountsEveryByteOfTheUnfinishedLine() {
        var framer = LineFramer(maxLineBytes: 4)
        var batch = LogBatch()
        Array("ok\n0123456789".utf8).withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(batch.messages, ["ok"])
        XCTAssertEqual(framer.pendingBytes, 10)
        Array("ab".utf8).withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(framer.pendingBytes, 12)
        Array("\n".utf8).withUnsafeBytes { framer.frame($0, timestamp: 1, into: &batch) }
        XCTAssertEqual(framer.pendingBytes, 0)
        XCTAssertEqual(batch.messages, ["ok", "0123"])
    }
}
