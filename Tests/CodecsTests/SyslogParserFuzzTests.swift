import Codecs
import XCTest

/// Cut or damaged lines must give an error or ranges inside the input, never a crash.
final class SyslogParserFuzzTests: XCTestCase {
    private let lines = [
        #"<13>1 2026-11-29T18:00:00.123456+01:00 host user - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="12345"] hello"#,
        #"<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [a@1 x="a\"b\\c\]d"][b@2 k="v"] "# + "\u{FEFF}msg\r\n",
        "<158>1 2024-05-01T00:00:00.001000+00:00 host heroku router - at=info method=GET status=200\n",
        "<13>Nov 29 18:00:00 host user[123]: hello",
        "<34>Jan  5 08:01:02 web-1.example.com su: 'su root' failed\r\n",
        "<13>2026-11-29T18:00:00.123456+01:00 host user[123]: hello",
        "<38>Nov 29 18:00:00 sshd[77]: Accepted",
        "<13>1 - h a - - -",
    ].map { Array($0.utf8) }

    private func check(_ bytes: [UInt8], _ parser: SyslogParser, _ what: @autoclosure () -> String) {
        bytes.withUnsafeBytes { raw in
            guard case .success(let m) = parser.parse(raw) else { return }
            for range in [m.hostname, m.appname, m.procid, m.msgid, m.structuredData, m.message] {
                XCTAssertTrue(range.lowerBound >= 0 && range.upperBound <= raw.count, "\(what()): \(range) of \(raw.count)")
            }
            var sd = SyslogStructuredDataScanner(raw, m.structuredData)
            while let id = sd.nextElement() {
                XCTAssertTrue(id.upperBound <= m.structuredData.upperBound, what())
                while let (name, value) = sd.nextParam() {
                    XCTAssertTrue(name.upperBound <= value.lowerBound && value.upperBound <= m.structuredData.upperBound, what())
                }
            }
        }
    }

    func testEveryPrefixIsAnErrorOrStaysInside() {
        let parsers = [SyslogParser(now: syslogTestNow), SyslogParser(now: 0, timeZoneOffsetMinutes: -720, defaultPriority: 13)]
        for line in lines {
            for cut in 0...line.count {
                for parser in parsers { check(Array(line[0..<cut]), parser, "prefix \(cut) of \(line.count)") }
                for parser in parsers { check(Array(line[cut...]), parser, "suffix from \(cut) of \(line.count)") }
            }
        }
    }

    func testEveryByteDamagedIsAnErrorOrStaysInside() {
        let parser = SyslogParser(now: syslogTestNow, defaultPriority: 13)
        let damage: [UInt8] = [0x20, 0x5B, 0x5D, 0x22, 0x5C, 0x3C, 0x3E, 0x31, 0x2D, 0x3A, 0xEF, 0x0A, 0x00, 0xFF]
        for line in lines {
            for position in line.indices {
                for byte in damage {
                    var bytes = line
                    bytes[position] = byte
                    check(bytes, parser, "byte \(position) = \(byte)")
                    check(Array(bytes[0..<position]) + [byte], parser, "cut at \(position) + \(byte)")
                }
            }
        }
    }
}
