import Codecs
import NIOCore

/// Checks one expectation of a pipeline unit test against what a component emitted.
enum PipelineTestMatcher {
    /// A description of the mismatch, or nil when the expectation holds.
    static func failure(_ e: PipelineTestCase.Expectation, _ batches: [EventBatch]) -> String? {
        switch e {
        case .count(let component, let expected):
            let n = batches.reduce(0) { $0 + $1.count }
            return n == expected ? nil : "\(component): expected \(expected) events, it emitted \(n)"
        case .metric(let component, let name, let labels, let value, let absent):
            var seen: [String] = []
            for case .metrics(let m) in batches {
                for i in 0..<m.count {
                    let pairs = m.labelPairs(i)
                    let series = "\(m.name(i)){\(pairs.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ","))} \(m.records[i].value)"
                    seen.append(series)
                    guard m.name(i) == name, labels.allSatisfy({ l in pairs.contains { $0 == l } }) else { continue }
                    if let value, !approximatelyEqual(value, m.records[i].value) { continue }
                    return absent ? "\(component): expected no metric like \(series), but it emitted one" : nil
                }
            }
            if absent { return nil }
            let wanted = "\(name){\(labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ","))}" + (value.map { " \($0)" } ?? "")
            return "\(component): expected metric \(wanted); it emitted \(summary(seen))"
        case .span(let component, let name, let attributes):
            let found = spans(batches)
            let matches = found.contains { span in
                span.name == name && attributes.allSatisfy { wanted in span.attributes.contains { $0 == wanted } }
            }
            if matches { return nil }
            let wanted = "span '\(name)'" + (attributes.isEmpty ? "" : " with \(attributes.map { "\($0.0)=\($0.1)" }.joined(separator: " "))")
            return "\(component): expected \(wanted); it emitted \(summary(found.map(\.name)))"
        case .log(let component, let message, let fields):
            var seen: [String] = []
            for case .logs(let l) in batches {
                for i in 0..<l.count {
                    var pairs: [(String, String)] = []
                    l.forEachField(i) { key, value in pairs.append((l.name(of: key), l.literal(value).description)) }
                    seen.append(l.message(i))
                    guard message == nil || l.message(i) == message else { continue }
                    guard fields.allSatisfy({ f in pairs.contains { $0 == f } }) else { continue }
                    return nil
                }
            }
            let wanted = (message.map { "'\($0)'" } ?? "a log") + (fields.isEmpty ? "" : " with \(fields.map { "\($0.0)=\($0.1)" }.joined(separator: " "))")
            return "\(component): expected \(wanted); it emitted \(summary(seen))"
        }
    }

    /// The spans of `batches` as names with their resource and span attributes (text values).
    static func spans(_ batches: [EventBatch]) -> [(name: String, attributes: [(String, String)])] {
        var found: [(String, [(String, String)])] = []
        for case .spans(let batch) in batches {
            batch.withBytes { request in
                try? OTLPSpanReader.forEachSpan(request) { span in
                    var pairs: [(String, String)] = []
                    func add(_ attributes: OTLPKeyValues) throws {
                        try attributes.forEach { key, value in
                            var text = ByteBuffer()
                            try value.writeText(into: &text)
                            pairs.append((String(decoding: key, as: UTF8.self), String(buffer: text)))
                        }
                    }
                    try add(span.resourceAttributes)
                    try add(span.attributes)
                    found.append((String(decoding: span.bytes(span.name), as: UTF8.self), pairs))
                }
            }
        }
        return found
    }

    private static func approximatelyEqual(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }

    private static func summary(_ seen: [String]) -> String {
        guard !seen.isEmpty else { return "nothing" }
        let shown = seen.prefix(8).joined(separator: "; ")
        return seen.count > 8 ? "\(shown); … (\(seen.count) in all)" : shown
    }
}
