import Codecs
import XCTest

final class SyslogStructuredDataTests: XCTestCase {
    /// Renders every element as `id{name=value,…}`, values unescaped.
    private func elements(_ line: String) -> String {
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBytes { raw in
            guard case .success(let m) = SyslogParser(now: syslogTestNow).parse(raw) else { return "parse failed" }
            var out: [String] = []
            var sd = SyslogStructuredDataScanner(raw, m.structuredData)
            while let id = sd.nextElement() {
                var params: [String] = []
                while let (name, value) = sd.nextParam() {
                    let text = String(decoding: SyslogStructuredData.unescaped(value, in: raw), as: UTF8.self)
                    params.append("\(String(decoding: raw[name], as: UTF8.self))=\(text)")
                }
                out.append("\(String(decoding: raw[id], as: UTF8.self)){\(params.joined(separator: ","))}")
            }
            return out.joined(separator: " ") + " | " + String(decoding: raw[m.message], as: UTF8.self)
        }
    }

    func testElementsAndEscapes() {
        let table: [(String, String)] = [
            (#"<13>1 - h a - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="12345"] hello"#,
             "timeQuality{tzKnown=1,isSynced=1,syncAccuracy=12345} | hello"),
            (#"<165>1 - h a - ID47 [exampleSDID@32473 iut="3" eventSource="App\"lication"][examplePriority@32473 class="high"] m"#,
             #"exampleSDID@32473{iut=3,eventSource=App"lication} examplePriority@32473{class=high} | m"#),
            (#"<13>1 - h a - - [x a="back\\slash" b="close\]bracket" c="open[" d="raw\n" e=""] m"#,
             #"x{a=back\slash,b=close]bracket,c=open[,d=raw\n,e=} | m"#),
            (#"<13>1 - h a - - [a@1][b@2 k="v] not the end"] m"#, "a@1{} b@2{k=v] not the end} | m"),
            (#"<13>1 - h a - - [x k="v"]"#, "x{k=v} | "),
            ("<13>1 - h a - - - m", " | m"),
            ("<13>Nov 29 18:00:00 host app: [x k=\"v\"] m", #" | [x k="v"] m"#),
        ]
        for (line, expected) in table { XCTAssertEqual(elements(line), expected, line) }
    }

    /// `nextElement()` skips the params of an element that were not read.
    func testSkippingUnreadParams() {
        let bytes = Array(#"<13>1 - h a - - [a x="1" y="\"]"][b z="2"] m"#.utf8)
        bytes.withUnsafeBytes { raw in
            guard case .success(let m) = SyslogParser(now: 0).parse(raw) else { return XCTFail("no parse") }
            var sd = SyslogStructuredDataScanner(raw, m.structuredData)
            XCTAssertEqual(sd.nextElement().map { String(decoding: raw[$0], as: UTF8.self) }, "a")
            XCTAssertEqual(sd.nextElement().map { String(decoding: raw[$0], as: UTF8.self) }, "b")
            XCTAssertEqual(sd.nextParam().map { String(decoding: raw[$0.value], as: UTF8.self) }, "2")
            XCTAssertNil(sd.nextParam())
            XCTAssertNil(sd.nextElement())
        }
    }
}
