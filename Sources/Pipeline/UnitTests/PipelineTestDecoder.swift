import Codecs

/// Reads the `tests:` list of a pipeline file, reporting problems with their positions.
enum PipelineTestDecoder {
    static func decode(_ list: [ConfigReader], componentIDs: Set<String>) -> [PipelineTestCase] {
        list.enumerated().compactMap { index, reader in
            defer { reader.finish() }
            let name = reader.string("name") ?? "test \(index + 1)"
            var inputs: [PipelineTestCase.Input] = []
            if let single = reader.child("input") {
                inputs += decodeInput(single, componentIDs)
            }
            for item in reader.childList("inputs") { inputs += decodeInput(item, componentIDs) }
            if !reader.has("input"), !reader.has("inputs") { reader.error(nil, "a test needs an input: { component, message }") }
            let expectations = reader.childList("expect", required: true).compactMap { decodeExpectation($0, componentIDs) }
            return PipelineTestCase(name: name, inputs: inputs, expectations: expectations)
        }
    }

    private static func decodeInput(_ r: ConfigReader, _ ids: Set<String>) -> [PipelineTestCase.Input] {
        defer { r.finish() }
        guard let component = r.string("component", required: true) else { return [] }
        if !ids.contains(component) { r.error("component", "unknown component '\(component)'") }
        var fields = (r.stringMap("fields") ?? []).map { ($0.0, literal($0.0, $0.1)) }
        var message = r.string("message")
        var timestamp = r.string("timestamp").flatMap { text -> Int64? in
            let parsed = Array(text.utf8).withUnsafeBytes { RFC3339.parse($0) }
            if parsed == nil { r.error("timestamp", "expected an RFC 3339 timestamp, got '\(text)'") }
            return parsed
        }
        if let line = r.string("syslog") {
            let bytes = Array(line.utf8)
            switch bytes.withUnsafeBytes({ SyslogParser(now: WallClock.nanoseconds()).parse($0) }) {
            case .success(let m):
                func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
                message = text(m.message)
                timestamp = timestamp ?? m.timestamp
                fields = [("facility", .int(Int64(m.facility))), ("severity", .int(Int64(m.severity)))]
                    + [("hostname", m.hostname), ("appname", m.appname), ("procid", m.procid), ("msgid", m.msgid)]
                    .filter { !$0.1.isEmpty }.map { ($0.0, .string(text($0.1))) } + fields
            case .failure(let error):
                r.error("syslog", "not an RFC 5424 or RFC 3164 line: \(error.description)")
            }
        }
        if let format = r.string("otlp") {
            if !["traces", "logs", "metrics"].contains(format) { r.error("otlp", "expected traces, logs or metrics, got '\(format)'") }
            if message != nil || r.has("fields") || r.has("metric") {
                r.error("otlp", "an input is a log event ('message', 'syslog', 'fields'), a 'metric' or an 'otlp' request, not several")
            }
            guard let body = r.string("body", required: true) else { return [] }
            return [PipelineTestCase.Input(component: component, message: "", fields: [], timestamp: timestamp,
                                           encoded: ("otlp/" + format, body))]
        }
        if let m = r.child("metric") {
            defer { m.finish() }
            if message != nil || r.has("fields") {
                r.error("metric", "an input is a log event ('message', 'syslog', 'fields') or a 'metric', not both")
            }
            let name = m.string("name", required: true) ?? ""
            let value = m.has("value") ? m.double("value", default: 0) : 0
            if !m.has("value") { m.error(nil, "missing required option 'value'") }
            let kinds = MetricKind.allCases.map(\.name)
            let kindName = m.choice("kind", kinds, default: "gauge")
            let kind = MetricKind.allCases.first { $0.name == kindName } ?? .gauge
            let metric = PipelineTestCase.Metric(name: name, labels: m.stringMap("labels") ?? [], value: value, kind: kind)
            return [PipelineTestCase.Input(component: component, message: "", fields: [], timestamp: timestamp, metric: metric)]
        }
        guard let message else {
            r.error(nil, "a test input needs 'message', 'syslog', 'metric' or 'otlp'")
            return []
        }
        return [PipelineTestCase.Input(component: component, message: message, fields: fields, timestamp: timestamp)]
    }

    private static func decodeExpectation(_ r: ConfigReader, _ ids: Set<String>) -> PipelineTestCase.Expectation? {
        defer { r.finish() }
        guard let component = r.string("component", required: true) else { return nil }
        if !ids.contains(component) { r.error("component", "unknown component '\(component)'") }
        if r.has("count") { return .count(component: component, events: r.int("count", default: 0, range: 0...1_000_000)) }
        if let m = r.child("metric") {
            defer { m.finish() }
            let name = m.string("name", required: true) ?? ""
            let value = m.has("value") ? m.double("value", default: 0) : nil
            return .metric(component: component, name: name, labels: m.stringMap("labels") ?? [], value: value,
                           absent: m.bool("absent", default: false))
        }
        if let l = r.child("log") {
            defer { l.finish() }
            return .log(component: component, message: l.string("message"), fields: l.stringMap("fields") ?? [])
        }
        if let s = r.child("span") {
            defer { s.finish() }
            return .span(component: component, name: s.string("name", required: true) ?? "", attributes: s.stringMap("attributes") ?? [])
        }
        r.error(nil, "an expectation needs one of metric:, log:, span: or count:")
        return nil
    }

    /// Field values are text, as parsers produce them; `facility` and `severity` are integers.
    private static func literal(_ key: String, _ text: String) -> FieldLiteral {
        if key == "facility" || key == "severity", let i = Int64(text) { return .int(i) }
        return .string(text)
    }
}
