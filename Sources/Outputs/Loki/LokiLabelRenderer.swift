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
            Self.renderValue(label.template, batch, i, into: &value)
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

    /// The template's text for event `i`: literals and field values (numbers in decimal).
    private static func renderValue(_ template: FieldTemplate, _ batch: LogBatch, _ i: Int, into out: inout [UInt8]) {
        for part in template.parts {
            switch part {
            case .literal(let bytes):
                out.append(contentsOf: bytes)
            case .field(let name):
                switch name.isMessage ? .bytes(batch.records[i].message) : batch.field(i, name) {
                case .bytes(let span)?: batch.withBytes(span) { out.append(contentsOf: $0) }
                case .int(let n)?: appendDecimal(n, into: &out)
                case .double(let d)?:
                    // Rare in a label: whole numbers as integers, others as Swift prints them.
                    if d == d.rounded(), abs(d) < 1e15 { appendDecimal(Int64(d), into: &out) } else { out.append(contentsOf: d.description.utf8) }
                case .bool(let b)?: out.append(contentsOf: (b ? "true" : "false").utf8)
                case nil: break
                }
            }
        }
    }

    private static func appendDecimal(_ n: Int64, into out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        let start = out.count
        var v = n.magnitude
        repeat {
            out.append(UInt8(48 + v % 10))
            v /= 10
        } while v > 0
        out[start...].reverse()
    }

    /// `value` (its first `limit` bytes, not splitting a character) escaped for a double-quoted string.
    private static func appendEscaped(_ value: [UInt8], limit: Int, into out: inout [UInt8]) {
        var end = value.count
        if end > limit {
            end = limit
            while end > 0, value[end] & 0xC0 == 0x80 { end -= 1 }  // back to a lead byte
        }
        for b in value[..<end] {
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
