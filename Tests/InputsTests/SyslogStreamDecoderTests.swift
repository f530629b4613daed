@testable import Inputs
import NIOCore
import Pipeline
import PipelineTesting
import XCTest

/// The TCP syslog decoder (framing detection, octet counting, LF framing, parsing) fed the
/// same connection bytes all at once, byte by byte and in random chunks: every feeding must
/// give the same events and the same counts.
final class SyslogStreamDecoderTests: XCTestCase {
    private let now: Int64 = 1_780_000_000_000_000_000

    /// One line per event (`appname|procid|message`, or `malformed|raw`), then the counts.
    private func decode(_ chunks: [[UInt8]], max: Int) -> [String] {
        var decoder = SyslogStreamDecoder(maxMessageBytes: max)
        var batch = LogBatch()
        var counts = SyslogStreamDecoder.Counts()
        let writer = SyslogEventWriter(timeZoneOffsetMinutes: 0)
        for (i, chunk) in (chunks + [[]]).enumerated() {
            var buffer = ByteBuffer(bytes: chunk)
            let c = decoder.decode(&buffer, isComplete: i == chunks.count, writer: writer, now: now, into: &batch)
            counts.malformed += c.malformed
            counts.tooLarge += c.tooLarge
        }
        return (0..<batch.count).map { i in
            if case .bool(true) = batch.field(i, .malformed) { return "malformed|\(batch.message(i))" }
            return "\(batch.stringField(i, .appname) ?? "")|\(batch.stringField(i, .procid) ?? "")|\(batch.message(i))"
        } + ["malformed \(counts.malformed)", "too_large \(counts.tooLarge)"]
    }

    private func everyFeeding(_ text: String, max: Int = 200) throws -> [String] {
        try DecoderVerifier(seeds: Array(1...16), maxChunk: 48).verify(Array(text.utf8)) { decode($0, max: max) }
    }

    private func octet(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    private let rfc5424 = "<165>1 2026-01-01T00:00:00.123456+02:00 web01 billing 4242 INV [a b=\"c\"] paid n=1"
    private let rfc3164 = "<13>Nov 29 12:00:00 web01 cron[42]: backup done"

    func testOctetCountingEveryFeeding() throws {
        let text = octet(rfc5424) + octet(rfc3164) + octet("<14>1 - - app - - - with\nnewline") + octet("garbage here")
        XCTAssertEqual(try everyFeeding(text), [
            "billing|4242|paid n=1", "cron|42|backup done", "app||with\nnewline", "malformed|garbage here",
            "malformed 1", "too_large 0",
        ])
    }

    func testLFFramingEveryFeeding() throws {
        let text = "\(rfc5424)\n\(rfc3164)\r\n\n<14>1 - - app - - - last without LF"
        XCTAssertEqual(try everyFeeding(text), [
            "billing|4242|paid n=1", "cron|42|backup done", "app||last without LF", "malformed 0", "too_large 0",
        ])
    }

    /// An over-long frame is refused and counted; the frames after it still arrive.
    func testOverLongFramesAreSkippedInBothFramings() throws {
        let long = "<14>1 - - big - - - " + String(repeating: "x", count: 300)
        XCTAssertEqual(try everyFeeding(octet(rfc3164) + octet(long) + octet(rfc5424)), [
            "cron|42|backup done", "billing|4242|paid n=1", "malformed 0", "too_large 1",
        ])
        XCTAssertEqual(try everyFeeding("\(rfc3164)\n\(long)\n\(long)\r\n\(rfc5424)\n"), [
            "cron|42|backup done", "billing|4242|paid n=1", "malformed 0", "too_large 2",
        ])
    }

    /// Many messages of varied lengths, octet-counted, in random chunks.
    func testManyMessages() throws {
        let messages = (0..<200).map { "<14>1 2026-01-01T00:00:00Z h app \($0) - - " + String(repeating: "m", count: $0 % 61) }
        let expected = messages.indices.map { "app|\($0)|" + String(repeating: "m", count: $0 % 61) }
        XCTAssertEqual(try everyFeeding(messages.map(octet).joined()), expected + ["malformed 0", "too_large 0"])
        XCTAssertEqual(try everyFeeding(messages.joined(separator: "\n")), expected + ["malformed 0", "too_large 0"])
    }
}
