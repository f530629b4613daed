import NIOCore

/// A value templated from an event: literal text and `{{field}}` references, e.g.
/// `"{{status}}"`, `"dyno-{{procid}}"` or `"{{ appname }}"` (spaces inside the braces are
/// ignored). `{{message}}` is the event's message. A missing field renders as nothing.
///
/// Used for log_to_metric's label values, loki's stream labels and cloudwatch_logs' group
/// and stream names; parsed once at configuration time, rendered from the batch's bytes.
public struct FieldTemplate: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case literal([UInt8])
        case field(FieldName)
    }

    public let parts: [Part]

    /// Parses `text`; nil with a message when a `{{` is not closed or names nothing.
    public static func parse(_ text: String) -> (template: FieldTemplate?, error: String?) {
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
        return (FieldTemplate(parts: parts), nil)
    }

    public init(parts: [Part]) { self.parts = parts }

    /// The fields the template reads, in order.
    public var fieldNames: [FieldName] {
        parts.compactMap { if case .field(let name) = $0 { name } else { nil } }
    }

    /// The text when the template reads no field (the same for every event); nil otherwise.
    public var constant: String? {
        guard fieldNames.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for case .literal(let literal) in parts { bytes += literal }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the value for event `i` of `logs` to `out`.
    public func render(_ logs: LogBatch, _ i: Int, into out: inout [UInt8]) {
        for part in parts {
            switch part {
            case .literal(let bytes): out.append(contentsOf: bytes)
            case .field(let name):
                switch Self.value(logs, i, name) {
                case .bytes(let span)?: logs.withBytes(span) { out.append(contentsOf: $0) }
                case .int(let v)?: Self.appendDecimal(v, into: &out)
                case .double(let v)? where v == v.rounded() && abs(v) < 1e15: Self.appendDecimal(Int64(v), into: &out)
                case .double(let v)?: out.append(contentsOf: String(v).utf8)
                case .bool(let v)?: out.append(contentsOf: (v ? "true" : "false").utf8)
                case nil: break
                }
            }
        }
    }

    /// Appends the value for event `i` of `logs` to `buffer`.
    public func render(_ logs: LogBatch, _ i: Int, into buffer: inout ByteBuffer) {
        for part in parts {
            switch part {
            case .literal(let bytes): buffer.writeBytes(bytes)
            case .field(let name):
                switch Self.value(logs, i, name) {
                case .bytes(let span)?: logs.withBytes(span) { _ = buffer.writeBytes($0) }
                case .int(let v)?: buffer.writeString(String(v))
                case .double(let v)?: buffer.writeString(Self.text(v))
                case .bool(let v)?: buffer.writeString(v ? "true" : "false")
                case nil: break
                }
            }
        }
    }

    /// `n` in decimal, without making a String.
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

    private static func value(_ logs: LogBatch, _ i: Int, _ name: FieldName) -> FieldValue? {
        name.isMessage ? .bytes(logs.records[i].message) : logs.field(i, name)
    }

    /// Whole numbers without a fraction (`200`, not `200.0`), others as Swift prints them.
    private static func text(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
