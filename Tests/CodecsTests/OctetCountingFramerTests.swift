import Codecs
import XCTest

final class OctetCountingFramerTests: XCTestCase {
    private func frame(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    private func items(_ text: String, max: Int = 10_000, complete: Bool = true) -> [String] {
        let bytes = Array(text.utf8)
        var framer = OctetCountingFramer(maxFrameBytes: max)
        var out: [String] = []
        bytes.withUnsafeBytes { raw in
            loop: while true {
                switch framer.next(raw, isComplete: complete) {
                case .frame(let r): out.append("F:" + String(decoding: raw[r], as: UTF8.self))
                case .malformed(let r, let reason): out.append("M:" + String(decoding: raw[r], as: UTF8.self) + "|" + reason)
                case .needMoreData: out.append("MORE"); break loop
                case .end: break loop
                }
            }
        }
        return out
    }

    func testFramesAreSplitByCountNotByNewline() {
        let router = "<158>1 2024-05-01T00:00:00+00:00 host heroku router - at=info status=200\n"
        let l10 = "<172>1 2024-05-01T00:00:01+00:00 host heroku logplex - Error L10 (output buffer overflow): 4 messages dropped since 2024-05-01T00:00:00+00:00."
        let app = "<190>1 2024-05-01T00:00:02+00:00 host app web.1 - measure#db=3ms\n"
        XCTAssertEqual(items(frame(router) + frame(l10) + frame(app)), ["F:" + router, "F:" + l10, "F:" + app])
    }

    func testLengthThatLiesDoesNotSinkTheFollowingFrames() {
        let good = "<158>1 - host heroku router - ok\n"
        let lying = "5 <158>1 - host app web.1 - this frame says 5 bytes\n"
        let result = items(frame(good) + lying + frame(good))
        XCTAssertEqual(result.count, 3, "\(result)")
        XCTAssertEqual(result[0], "F:" + good)
        XCTAssertTrue(result[1].hasPrefix("M:5 <158>1"), result[1])
        XCTAssertTrue(result[1].contains("does not end where the next frame begins"), result[1])
        XCTAssertEqual(result[2], "F:" + good)
    }

    func testLengthPastTheEndIsMalformed() {
        XCTAssertEqual(items("999 <13>1 short\n"), ["M:999 <13>1 short\n|frame length 999 runs past the end of the data"])
    }

    func testGarbageHeaderResynchronisesAtTheNextFrame() {
        let good = "<13>1 - h a p - m\n"
        let result = items("garbage without length\n" + frame(good))
        XCTAssertEqual(result, ["M:garbage without length\n|frame does not start with a length and a space", "F:" + good])
    }

    func testFrameOverTheLimit() {
        let big = "<13>1 - h a p - " + String(repeating: "x", count: 100) + "\n"
        XCTAssertTrue(items(frame(big), max: 50)[0].hasSuffix("is over max_frame_bytes (50)"))
    }

    func testStreamingAsksForMoreData() {
        XCTAssertEqual(items("20 <13>1 partial", complete: false), ["MORE"])
        XCTAssertEqual(items("12", complete: false), ["MORE"])
    }

    func testByteByByteStreamYieldsTheSameFrames() {
        let messages = ["<13>1 - h a p - one\n", "<13>1 - h a p - two", "<13>1 - h a p - three\n"]
        let stream = Array(messages.map(frame).joined().utf8)
        var framer = OctetCountingFramer(maxFrameBytes: 1000)
        var found: [String] = []
        for end in 1...stream.count {
            stream[0..<end].withUnsafeBytes { raw in
                while case .frame(let r) = framer.next(raw, isComplete: end == stream.count) {
                    found.append(String(decoding: raw[r], as: UTF8.self))
                }
            }
        }
        XCTAssertEqual(found, messages)
    }
}
