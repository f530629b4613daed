import Codecs
import PipelineTesting
import XCTest

final class OctetCountingFramerTests: XCTestCase {
    private static let router = "<158>1 2024-05-01T00:00:00+00:00 host heroku router - at=info status=200\n"
    private static let l10 = "<172>1 2024-05-01T00:00:01+00:00 host heroku logplex - Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T00:00:00+00:00."
    private static let app = "<190>1 2024-05-01T00:00:02+00:00 host app web.1 - measure#db=3ms\n"
    private static let short = "<13>1 - h a p - ok\n"

    private func frame(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    private func describe(_ item: OctetCountingFramer.Item, _ raw: UnsafeRawBufferPointer) -> String? {
        switch item {
        case .frame(let r): return "F:" + String(decoding: raw[r], as: UTF8.self)
        case .malformed(let r, let reason): return "M:" + String(decoding: raw[r], as: UTF8.self) + "|" + reason
        case .needMoreData, .end: return nil
        }
    }

    /// A whole body in one buffer, as the drain frames it; `complete: false` marks where it asks for more.
    private func body(_ text: String, max: Int = 10_000, counts: OctetCountingFramer.Counts = .checked,
                      complete: Bool = true) -> [String] {
        var framer = OctetCountingFramer(maxFrameBytes: max, counts: counts)
        var out: [String] = []
        Array(text.utf8).withUnsafeBytes { raw in
            while true {
                let item = framer.next(raw, isComplete: complete)
                guard let text = describe(item, raw) else {
                    if item == .needMoreData { out.append("MORE") }
                    return
                }
                out.append(text)
            }
        }
        return out
    }

    /// A stream input's use: keep unconsumed bytes, drop what is consumed after each read, and
    /// (with `end`) call once more with `isComplete` when the stream ends.
    private func feed(_ chunks: [[UInt8]], max: Int, counts: OctetCountingFramer.Counts, end: Bool = true) -> [String] {
        var framer = OctetCountingFramer(maxFrameBytes: max, counts: counts)
        var buffer: [UInt8] = []
        var out: [String] = []
        func drain(_ isComplete: Bool) {
            buffer.withUnsafeBytes { raw in
                while let text = describe(framer.next(raw, isComplete: isComplete), raw) { out.append(text) }
            }
            buffer.removeFirst(framer.position)
            framer.rebase(droppingFirst: framer.position)
        }
        for chunk in chunks {
            buffer += chunk
            drain(false)
        }
        if end { drain(true) }
        return out
    }

    /// The items of `text` as a stream, the same for every feeding; for `.checked` also those of a whole body.
    private func streamed(_ text: String, max: Int = 10_000, counts: OctetCountingFramer.Counts,
                          file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let items = try DecoderVerifier().verify(Array(text.utf8)) { feed($0, max: max, counts: counts) }
        if counts == .checked { XCTAssertEqual(items, body(text, max: max), "stream vs body", file: file, line: line) }
        return items
    }

    func testFramesAreSplitByCountNotByNewline() throws {
        let text = frame(Self.router) + frame(Self.l10) + frame(Self.app)
        let expected = ["F:" + Self.router, "F:" + Self.l10, "F:" + Self.app]
        XCTAssertEqual(body(text), expected)
        XCTAssertEqual(try streamed(text, counts: .checked), expected)
        XCTAssertEqual(try streamed(text, counts: .trusted), expected)
    }

    func testGoodFrameBeforeNonSyslogFrameStandsAlone() throws {
        let text = frame(Self.router) + "11 hello world" + frame(Self.app)
        let expected = ["F:" + Self.router, "F:hello world", "F:" + Self.app]
        XCTAssertEqual(body(text), expected, "a count landing on `DIGITS SP` is no lie, whatever follows the space")
        XCTAssertEqual(try streamed(text, counts: .checked), expected)
        XCTAssertEqual(try streamed(text, counts: .trusted), expected)
    }

    func testLengthThatLiesDoesNotSinkTheFollowingFrames() throws {
        let lying = "9 <158>1 - host app web.1 - this frame says 9 bytes\n"
        let expected = ["F:" + Self.short, "M:" + lying + "|frame length 9 does not end where the next frame begins", "F:" + Self.short]
        XCTAssertEqual(try streamed(frame(Self.short) + lying + frame(Self.short), counts: .checked), expected)
    }

    func testLineEndsBetweenFramesAndAtTheEnd() throws {
        let text = "\r\n \n" + frame(Self.short) + "\r\n" + frame(Self.l10) + "\n\n" + frame(Self.short) + "\r\n"
        let expected = ["F:" + Self.short, "F:" + Self.l10, "F:" + Self.short]
        XCTAssertEqual(try streamed(text, counts: .checked), expected)
        XCTAssertEqual(try streamed(text, counts: .trusted), expected)
    }

    func testLengthPastTheEndIsMalformed() throws {
        let expected = ["M:999 <13>1 short\n|frame length 999 runs past the end of the data"]
        XCTAssertEqual(try streamed("999 <13>1 short\n", counts: .checked), expected)
        XCTAssertEqual(try streamed("999 <13>1 short\n", counts: .trusted), expected)
    }

    func testGarbageHeaderResynchronisesAtTheNextFrame() throws {
        let text = "garbage without length\n" + frame(Self.short)
        let expected = ["M:garbage without length\n|frame does not start with a length and a space", "F:" + Self.short]
        XCTAssertEqual(try streamed(text, counts: .checked), expected)
        XCTAssertEqual(try streamed(text, counts: .trusted), expected)
    }

    func testLengthOverflow() throws {
        let overflow = "99999999999 <13>1 - h a p - eleven digits\n"
        let text = frame(Self.short) + overflow + frame(Self.short)
        let expected = ["F:" + Self.short, "M:" + overflow + "|frame length has more than 10 digits", "F:" + Self.short]
        XCTAssertEqual(try streamed(text, counts: .checked), expected)
        XCTAssertEqual(try streamed(text, counts: .trusted), expected)
    }

    func testFrameTooLarge() throws {
        let big = frame("<13>1 - h a p - " + String(repeating: "x", count: 100) + "\n")
        let expected = ["M:" + String(big.prefix(50)) + "|frame of 117 bytes is over max_frame_bytes (50)", "F:" + Self.short]
        XCTAssertEqual(try streamed(big + frame(Self.short), max: 50, counts: .checked), expected,
                       "the first max_frame_bytes are kept, the count skips the rest")
        XCTAssertEqual(try streamed(big + frame(Self.short), max: 50, counts: .trusted), expected)
    }

    func testMalformedRunIsCutAtMaxFrameBytes() throws {
        let reason = "|frame does not start with a length and a space"
        let garbage = String(repeating: "g", count: 120) + "\n"
        let expected = ["M:" + String(garbage.prefix(50)) + reason, "M:" + String(garbage.dropFirst(50).prefix(50)) + reason,
                        "M:" + String(garbage.dropFirst(100)) + reason, "F:" + Self.short]
        XCTAssertEqual(try streamed(garbage + frame(Self.short), max: 50, counts: .checked), expected)
        XCTAssertEqual(try streamed(garbage + frame(Self.short), max: 50, counts: .trusted), expected)
    }

    func testStreamChunkEndsInsideNextHeader() {
        let first = Array(frame(Self.router).utf8), second = Array(frame(Self.app).utf8)
        let stream = first + second
        for cut in first.count...(first.count + 4) {
            let chunks = [Array(stream[..<cut]), Array(stream[cut...])]
            for counts in [OctetCountingFramer.Counts.checked, .trusted] {
                XCTAssertEqual(feed(chunks, max: 10_000, counts: counts), ["F:" + Self.router, "F:" + Self.app],
                               "read ends at \(String(decoding: stream[(first.count - 1)..<cut], as: UTF8.self).debugDescription), \(counts)")
            }
        }
    }

    func testTrustedCountIsOutAtOnceCheckedCountWaitsForWhatFollows() {
        let read = [Array(frame(Self.router).utf8)]
        XCTAssertEqual(feed(read, max: 10_000, counts: .trusted, end: false), ["F:" + Self.router])
        XCTAssertEqual(feed(read, max: 10_000, counts: .checked, end: false), [], "it may yet be a lie")
        XCTAssertEqual(feed(read, max: 10_000, counts: .checked), ["F:" + Self.router], "the end of the stream decides")
        XCTAssertEqual(body("20 <13>1 partial", complete: false), ["MORE"])
        XCTAssertEqual(body("12", complete: false), ["MORE"])
    }

    func testEveryFeedingGivesTheSameItems() throws {
        let good = frame(Self.router), l10 = frame(Self.l10)
        let inputs = [
            good + l10 + frame(Self.app),
            good + "11 hello world" + l10 + "3 abc",
            good + "40 " + Self.router + good,
            "5 <13>1 x\n" + good + "2 <1",
            frame("<13>1 - h a p - " + String(repeating: "y", count: 300) + "\n") + good + l10,
            "\r\n \r\n" + good + "\r\n" + l10 + "\n \n" + good,
            "99999999999 <13>1 x\n" + good + "1234567890 <13>1 huge\n" + good,
            "0 \n" + good + "-3 <13>1 x\n" + good + String(repeating: "z", count: 700) + good,
            good + "8",
        ]
        for (index, input) in inputs.enumerated() {
            for counts in [OctetCountingFramer.Counts.checked, .trusted] {
                for max in [64, 10_000] {
                    do {
                        _ = try streamed(input, max: max, counts: counts)
                    } catch {
                        XCTFail("input \(index), \(counts), max \(max): \(error)")
                    }
                }
            }
        }
    }
}
