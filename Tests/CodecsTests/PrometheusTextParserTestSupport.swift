import Codecs
import PipelineTesting
import XCTest

/// Parses bodies every way (all at once, byte by byte, random chunks) into readable lines:
/// `name{k="v"} value @ts type` for samples, `E<line>: reason` for malformed lines.
enum PrometheusTextParserHarness {
    static func describe(_ event: PrometheusTextEvent) -> String {
        switch event {
        case .malformed(let line, let reason):
            return "E\(line): \(reason)"
        case .sample(let s):
            var text = String(decoding: s.name, as: UTF8.self)
            if s.labelCount > 0 {
                let pairs = (0..<s.labelCount).map {
                    String(decoding: s.labelName($0), as: UTF8.self) + "=\"" + String(decoding: s.labelValue($0), as: UTF8.self) + "\""
                }
                text += "{" + pairs.joined(separator: ",") + "}"
            }
            text += " " + (s.value.isNaN ? "NaN" : "\(s.value)")
            if let t = s.timestamp { text += " @\(t)" }
            return text + " " + s.type.name
        }
    }

    /// Events of `body` fed as `chunks`, finished.
    static func parse(_ chunks: [[UInt8]], format: PrometheusTextFormat, maxLineBytes: Int = 1 << 20) -> [String] {
        var parser = PrometheusTextParser(format: format, maxLineBytes: maxLineBytes)
        var out: [String] = []
        for chunk in chunks { chunk.withUnsafeBytes { parser.feed($0) { out.append(describe($0)) } } }
        parser.finish { out.append(describe($0)) }
        return out
    }

    /// Events of `body`, checked to be the same for every feeding.
    static func verify(_ body: String, format: PrometheusTextFormat, maxLineBytes: Int = 1 << 20,
                       file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            return try DecoderVerifier().verify(Array(body.utf8)) { parse($0, format: format, maxLineBytes: maxLineBytes) }
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return []
        }
    }
}
