import Pipeline

/// One entry of `log_to_metric`'s `metrics:` list, validated.
struct LogToMetricRule: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case counter, gauge, histogram
    }

    let kind: Kind
    let name: String
    /// Where the value comes from; nil for a counter of events.
    let field: FieldName?
    /// Labels sorted by name, each with the template of its value.
    let labels: [(name: String, template: LogToMetricTemplate)]
    /// Histogram upper bounds, `+Inf` implied.
    let buckets: [Double]
    let when: FilterCondition?

    /// Prometheus client libraries' default buckets, in seconds.
    static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
}

/// A label value template: literal text and `{{field}}` references, e.g. `"{{status}}"` or
/// `"dyno-{{procid}}"`. A missing field renders as nothing; a label whose value renders
/// empty is left off (Prometheus reads an empty label as an absent one).
struct LogToMetricTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case field(FieldName)
    }

    let parts: [Part]

    /// Parses `text`; nil with a message when a `{{` is not closed or names nothing.
    static func parse(_ text: String) -> (template: LogToMetricTemplate?, error: String?) {
        let bytes = Array(text.utf8)
        var parts: [Part] = []
        var literal: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "{"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") else {
                literal.append(bytes[i])
                i += 1
                continue
            }
            var j = i + 2
            while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "}") && bytes[j + 1] == UInt8(ascii: "}")) { j += 1 }
            guard j + 1 < bytes.count else { return (nil, "unclosed '{{' in '\(text)'") }
            let name = bytes[(i + 2)..<j].drop { $0 == UInt8(ascii: " ") }.reversed().drop { $0 == UInt8(ascii: " ") }.reversed()
            guard !name.isEmpty else { return (nil, "empty '{{}}' in '\(text)'") }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            parts.append(.field(FieldName(String(decoding: name, as: UTF8.self))))
            i = j + 2
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return (LogToMetricTemplate(parts: parts), nil)
    }

    /// Appends the value for event `i` of `logs` to `out`.
    func render(_ logs: LogBatch, _ i: Int, into out: inout [UInt8]) {
        for part in parts {
            switch part {
            case .literal(let bytes): out.append(contentsOf: bytes)
            case .field(let name):
                let value: FieldValue? = name.isMessage ? .bytes(logs.records[i].message) : logs.field(i, name)
                switch value {
                case .bytes(let span)?: logs.withBytes(span) { out.append(contentsOf: $0) }
                case .int(let v)?: out.append(contentsOf: String(v).utf8)
                case .double(let v)?: out.append(contentsOf: v.labelValue.utf8)
                case .bool(let v)?: out.append(contentsOf: (v ? "true" : "false").utf8)
                case nil: break
                }
            }
        }
    }
}
