import Pipeline

/// Renders an event's stream labels as Loki's label string, straight from the batch's bytes.
///
///     labels: {app: "{{ appname }}", host: "{{ hostname }}", env: prod}
///     event:  appname=web, hostname="h\"1"   →   {app="web", env="prod", host="h\"1"}
///
/// Names are sorted (the configuration sorts them) and each value is a Prometheus string
/// (`"` `\` and line breaks escaped, PromQL's lexer refuses a raw LF), so two events of one
/// stream render the same bytes: the string is the stream's identity and its shard key.
/// A label rendering empty is left off; no label left gives `fallback`.
struct LokiLabelRenderer {
    /// The label set of an event whose labels all render empty (Loki refuses `{}`).
    static let fallback: StaticString = #"{agent="pipectl"}"#
    /// Loki's default `max_label_value_length`; longer values are cut at a UTF-8 boundary.
    static let maxValueBytes = 2048

    let labels: [LokiLabel]
    /// One value as rendered, reused.
    private var value: [UInt8] = []

    init(labels: [LokiLabel]) {
        self.labels = labels
        value.reserveCapacity(256)
    }

    /// Appends the label string of event `i` of `batch` to `out`.
    mutating func render(_ batch: LogBatch, _ i: Int, into out: inout [UInt8]) {
        let start = out.count
        out.append(UInt8(ascii: "{"))
        for label in labels {
            value.removeAll(keepingCapacity: true)
            label.template.render(batch, i, into: &value)
            guard !value.isEmpty else { continue }
            if out.count > start + 1 {
                out.append(UInt8(ascii: ","))
                out.append(UInt8(ascii: " "))
            }
            out.append(contentsOf: label.name)
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "\""))
            Self.appendEscaped(value, limit: Self.maxValueBytes, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        guard out.count > start + 1 else {
            out.removeLast()
            Self.fallback.withUTF8Buffer { out.append(contentsOf: $0) }
            return
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `value` (its first `limit` bytes, not splitting a character; invalid UTF-8 as U+FFFD)
    /// escaped for a double-quoted string.
    private static func appendEscaped(_ value: [UInt8], limit: Int, into out: inout [UInt8]) {
        var end = value.count
        if end > limit {
            end = limit
            while end > 0, value[end] & 0xC0 == 0x80 { end -= 1 }  // back to a lead byte
        }
        // Loki refuses a label string that is not UTF-8 (and the whole push with it): a value
        // with non-ASCII bytes is decoded, its invalid bytes replaced by U+FFFD.
        if value[..<end].allSatisfy({ $0 < 0x80 }) {
            escape(value[..<end], into: &out)
        } else {
            escape(ArraySlice(String(decoding: value[..<end], as: UTF8.self).utf8), into: &out)
        }
    }

    private static func escape(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) {
        for b in bytes {
            let escaped: UInt8
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped = b
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            default:
                out.append(b)
                continue
            }
            out.append(UInt8(ascii: "\\"))
            out.append(escaped)
        }
    }
}
