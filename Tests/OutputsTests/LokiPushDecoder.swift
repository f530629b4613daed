import Foundation

/// One stream of a decoded push: its labels as sent and its entries in body order.
struct LokiDecodedStream: Equatable {
    struct Entry: Equatable, CustomStringConvertible {
        var timestamp: Int64
        var line: String
        var description: String { "\(timestamp) \(line)" }
    }

    /// The label string as sent (protobuf), or made from the JSON object (`{k="v", …}`, sorted).
    var labels: String
    var entries: [Entry] = []
    /// Structured metadata pairs seen (Loki 2.8 refuses them).
    var structuredMetadata = 0
}

/// An independent decoder of Loki push bodies for the test receiver: protobuf `PushRequest`
/// (field by field, wire types checked, unknown fields refused) and the JSON form; plus a
/// strict parser of label strings (`{name="value", …}`) with PromQL's string escapes.
enum LokiPushDecoder {
    struct Malformed: Error, CustomStringConvertible { let description: String }

    // MARK: Protobuf

    static func decodeProtobuf(_ bytes: [UInt8]) throws -> [LokiDecodedStream] {
        var reader = Reader(data: bytes[...])
        var streams: [LokiDecodedStream] = []
        while let (field, wire) = try reader.tag() {
            guard field == 1, wire == 2 else { throw Malformed(description: "PushRequest: unexpected field \(field)/\(wire)") }
            streams.append(try decodeStream(reader.lengthDelimited()))
        }
        return streams
    }

    private static func decodeStream(_ bytes: ArraySlice<UInt8>) throws -> LokiDecodedStream {
        var reader = Reader(data: bytes)
        var stream = LokiDecodedStream(labels: "")
        while let (field, wire) = try reader.tag() {
            switch (field, wire) {
            case (1, 2): stream.labels = try reader.string()
            case (2, 2):
                var entry = Reader(data: try reader.lengthDelimited())
                var decoded = LokiDecodedStream.Entry(timestamp: 0, line: "")
                var sawTimestamp = false
                while let (f, w) = try entry.tag() {
                    switch (f, w) {
                    case (1, 2):
                        decoded.timestamp = try decodeTimestamp(entry.lengthDelimited())
                        sawTimestamp = true
                    case (2, 2): decoded.line = try entry.string()
                    case (3, 2):
                        _ = try entry.lengthDelimited()
                        stream.structuredMetadata += 1
                    default: throw Malformed(description: "EntryAdapter: unexpected field \(f)/\(w)")
                    }
                }
                guard sawTimestamp else { throw Malformed(description: "EntryAdapter without a timestamp") }
                stream.entries.append(decoded)
            default:
                throw Malformed(description: "StreamAdapter: unexpected field \(field)/\(wire)")
            }
        }
        return stream
    }

    private static func decodeTimestamp(_ bytes: ArraySlice<UInt8>) throws -> Int64 {
        var reader = Reader(data: bytes)
        var seconds: Int64 = 0, nanos: Int64 = 0
        while let (f, w) = try reader.tag() {
            switch (f, w) {
            case (1, 0): seconds = Int64(bitPattern: try reader.varint())
            case (2, 0):
                let raw = try reader.varint()
                // int32: a negative value is sign-extended to ten bytes; nanos must be 0..<1e9 anyway.
                guard raw < 1_000_000_000 else { throw Malformed(description: "Timestamp: nanos \(Int64(bitPattern: raw)) outside 0..<1e9") }
                nanos = Int64(raw)
            default: throw Malformed(description: "Timestamp: unexpected field \(f)/\(w)")
            }
        }
        return seconds &* 1_000_000_000 &+ nanos  // wraps back into range for times near Int64's ends
    }

    private struct Reader {
        var data: ArraySlice<UInt8>

        mutating func tag() throws -> (Int, Int)? {
            guard !data.isEmpty else { return nil }
            let key = try varint()
            return (Int(key >> 3), Int(key & 7))
        }

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            for shift in stride(from: 0, to: 70, by: 7) {
                guard let byte = data.popFirst() else { throw Malformed(description: "truncated varint") }
                guard shift < 64 else { throw Malformed(description: "varint too long") }
                result |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte < 0x80 { return result }
            }
            throw Malformed(description: "varint too long")
        }

        mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
            let length = try varint()
            guard length <= UInt64(data.count) else { throw Malformed(description: "length \(length) past the end (\(data.count) left)") }
            let field = data.prefix(Int(length))
            data = data.dropFirst(Int(length))
            return field
        }

        mutating func string() throws -> String {
            let bytes = try lengthDelimited()
            guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed(description: "string is not UTF-8") }
            return text
        }
    }

    // MARK: JSON

    static func decodeJSON(_ bytes: [UInt8]) throws -> [LokiDecodedStream] {
        guard let root = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let streams = root["streams"] as? [[String: Any]], root.count == 1 else {
            throw Malformed(description: "expected {\"streams\":[…]}")
        }
        return try streams.map { object in
            guard let labels = object["stream"] as? [String: String], let values = object["values"] as? [[Any]],
                  object.count == 2 else { throw Malformed(description: "expected {\"stream\":{…},\"values\":[…]}") }
            var stream = LokiDecodedStream(labels: labelString(labels))
            for value in values {
                guard value.count == 2 || value.count == 3, let time = value[0] as? String, let ns = Int64(time),
                      let line = value[1] as? String else { throw Malformed(description: "expected [\"<ns>\",\"<line>\"], got \(value)") }
                if value.count == 3 { stream.structuredMetadata += 1 }
                stream.entries.append(.init(timestamp: ns, line: line))
            }
            return stream
        }
    }

    /// `{a="x", b="y"}` of a label map, sorted by name, values escaped.
    static func labelString(_ labels: [String: String]) -> String {
        let pairs = labels.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map { name, value in
            var escaped = ""
            for c in value.unicodeScalars {
                switch c {
                case "\\": escaped += "\\\\"
                case "\"": escaped += "\\\""
                case "\n": escaped += "\\n"
                default: escaped.unicodeScalars.append(c)
                }
            }
            return "\(name)=\"\(escaped)\""
        }
        return "{" + pairs.joined(separator: ", ") + "}"
    }

    // MARK: Label strings

    /// Parses `{name="value", …}` as PromQL does: names `[a-zA-Z_][a-zA-Z0-9_]*`, values in
    /// double quotes with `\\ \" \n \r \t` escapes, no raw line break. Throws with the reason.
    static func parseLabels(_ text: String) throws -> [(name: String, value: String)] {
        var s = Substring(text).unicodeScalars[...]
        func fail(_ why: String) -> Malformed { Malformed(description: why) }
        func skipSpaces() { while s.first == " " { s = s.dropFirst() } }
        guard s.popFirst() == "{" else { throw fail("1:1: parse error: expected '{'") }
        var pairs: [(String, String)] = []
        skipSpaces()
        if s.first == "}" {
            s = s.dropFirst()
        } else {
            while true {
                skipSpaces()
                var name = ""
                while let c = s.first, c == "_" || (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))) {
                    name.unicodeScalars.append(c)
                    s = s.dropFirst()
                }
                guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else {
                    throw fail("unexpected character in label name at '\(String(String.UnicodeScalarView(s.prefix(10))))'")
                }
                skipSpaces()
                guard s.popFirst() == "=" else { throw fail("expected '=' after label name \(name)") }
                skipSpaces()
                guard s.popFirst() == "\"" else { throw fail("expected '\"' to start the value of \(name)") }
                var value = ""
                while true {
                    guard let c = s.popFirst(), c != "\n" else { throw fail("unterminated quoted string") }
                    if c == "\"" { break }
                    if c == "\\" {
                        switch s.popFirst() {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        case "r": value += "\r"
                        case "t": value += "\t"
                        default: throw fail("unknown escape sequence")
                        }
                    } else {
                        value.unicodeScalars.append(c)
                    }
                }
                pairs.append((name, value))
                skipSpaces()
                guard let next = s.popFirst() else { throw fail("unexpected end of input") }
                if next == "}" { break }
                guard next == "," else { throw fail("unexpected '\(next)' after label \(name)") }
            }
        }
        guard s.isEmpty else { throw fail("unexpected text after '}'") }
        return pairs
    }
}
