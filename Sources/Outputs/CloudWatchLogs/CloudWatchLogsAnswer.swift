import NIOCore

/// What CloudWatch Logs answered, read from the body's bytes.
///
/// ```
/// 200  {"nextSequenceToken":"…","rejectedLogEventsInfo":{"tooNewLogEventStartIndex":7,"tooOldLogEventEndIndex":2}}
/// 400  {"__type":"ResourceNotFoundException","message":"The specified log stream does not exist."}
/// 403  <ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>…</Message></Error></ErrorResponse>
/// ```
/// AWS JSON 1.1 errors name their type in `__type` (sometimes prefixed `namespace#`) or the
/// `X-Amzn-ErrorType` header; query-style XML errors (moto's signature errors) in `<Code>`.
/// The scanner reads the keys it knows wherever they sit and skips everything else, so
/// no JSON tree is built.
struct CloudWatchLogsAnswer: Equatable {
    /// The error type (`ThrottlingException`), if any.
    var type: String?
    /// The error message, if any.
    var message: String?
    /// `rejectedLogEventsInfo`: events at and after `tooNewStart` were too new, events up to
    /// and including `tooOldEnd` / `expiredEnd` too old or past the group's retention.
    var tooNewStart: Int?
    var tooOldEnd: Int?
    var expiredEnd: Int?

    init(type: String? = nil, message: String? = nil, tooNewStart: Int? = nil, tooOldEnd: Int? = nil, expiredEnd: Int? = nil) {
        self.type = type
        self.message = message
        self.tooNewStart = tooNewStart
        self.tooOldEnd = tooOldEnd
        self.expiredEnd = expiredEnd
    }

    init(body: ByteBuffer, errorTypeHeader: String?) {
        body.withUnsafeReadableBytes { bytes in
            if bytes.first(where: { $0 > 0x20 }) == UInt8(ascii: "<") {
                type = Self.xmlElement("Code", in: bytes)
                message = Self.xmlElement("Message", in: bytes)
            } else {
                readJSON(bytes)
            }
        }
        if type == nil, let header = errorTypeHeader, !header.isEmpty { type = header }
        // `com.amazonaws.logs#ThrottlingException`, `ThrottlingException:http://…`
        if let t = type {
            type = String(t.split(separator: "#").last ?? Substring(t)).split(separator: ":").first.map(String.init) ?? t
        }
    }

    private mutating func readJSON(_ s: UnsafeRawBufferPointer) {
        var i = 0
        while i < s.count {
            guard s[i] == UInt8(ascii: "\"") else { i += 1; continue }
            let (key, afterKey) = Self.string(s, from: i)
            i = afterKey
            while i < s.count, s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "\n") || s[i] == UInt8(ascii: "\r") { i += 1 }
            guard i < s.count, s[i] == UInt8(ascii: ":") else { continue }  // a value, not a key
            i += 1
            while i < s.count, s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "\n") || s[i] == UInt8(ascii: "\r") { i += 1 }
            switch key {
            case "__type", "message", "Message":
                guard i < s.count, s[i] == UInt8(ascii: "\"") else { continue }
                let (value, after) = Self.string(s, from: i)
                if key == "__type" { type = value } else { message = value }
                i = after
            case "tooNewLogEventStartIndex": tooNewStart = Self.int(s, &i)
            case "tooOldLogEventEndIndex": tooOldEnd = Self.int(s, &i)
            case "expiredLogEventEndIndex": expiredEnd = Self.int(s, &i)
            default: continue
            }
        }
    }

    /// The JSON string starting at the quote at `start`, unescaped (`\uXXXX` kept as written),
    /// and the index after its closing quote.
    private static func string(_ s: UnsafeRawBufferPointer, from start: Int) -> (String, Int) {
        var out: [UInt8] = []
        var i = start + 1
        while i < s.count, s[i] != UInt8(ascii: "\"") {
            if s[i] == UInt8(ascii: "\\"), i + 1 < s.count {
                i += 1
                switch s[i] {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "u"): out.append(contentsOf: Array("\\u".utf8))
                default: out.append(s[i])
                }
            } else {
                out.append(s[i])
            }
            i += 1
        }
        return (String(decoding: out, as: UTF8.self), i + 1)
    }

    private static func int(_ s: UnsafeRawBufferPointer, _ i: inout Int) -> Int? {
        var value = 0
        let start = i
        while i < s.count, s[i] &- 48 < 10, value < Int.max / 10 - 10 {
            value = value * 10 + Int(s[i] - 48)
            i += 1
        }
        return i > start ? value : nil
    }

    /// The text of the first `<name>…</name>`.
    private static func xmlElement(_ name: String, in s: UnsafeRawBufferPointer) -> String? {
        let open = Array("<\(name)>".utf8), close = Array("</\(name)>".utf8)
        guard let start = s.firstRange(of: open), let end = s[start.upperBound...].firstRange(of: close) else { return nil }
        return String(decoding: s[start.upperBound..<end.lowerBound], as: UTF8.self)
    }
}
