import Codecs
import Pipeline

/// One header value of a message being encoded (HOSTNAME, APP-NAME, PROCID, MSGID), resolved
/// from the configuration or the event, so its length is known before anything is written.
enum SyslogHeaderValue {
    /// Configured or default bytes, already sanitised.
    case fixed([UInt8])
    /// An event's byte field, sanitised as it is written.
    case span(ByteSpan)
    /// An event's integer field, in decimal.
    case int(Int64)
    /// The nil value `-`.
    case none

    private static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)

    /// The value of field `value`, or `fallback` when absent or empty.
    init(_ value: FieldValue?, fallback: SyslogHeaderValue = .none) {
        switch value {
        case .bytes(let span): self = span.length > 0 ? .span(span) : fallback
        case .int(let n): self = .int(n)
        case .double(let d): self = .fixed(SyslogHeaderValue.sanitised(Array(String(d).utf8)))  // rare: a numeric header
        case .bool(let b): self = .fixed(b ? Self.trueBytes : Self.falseBytes)
        case nil: self = fallback
        }
    }

    /// Bytes it takes, cut at `max`.
    func length(max: Int) -> Int {
        switch self {
        case .fixed(let bytes): Swift.min(bytes.count, max)
        case .span(let span): Swift.min(Int(span.length), max)
        case .int(let n): Self.digits(n.magnitude) + (n < 0 ? 1 : 0)
        case .none: 1
        }
    }

    /// Writes the value (at most `max` bytes; bytes outside PRINTUSASCII 33–126 as `_`).
    func write(_ batch: LogBatch, max: Int, into w: inout RawWriter) {
        switch self {
        case .fixed(let bytes):
            bytes.withUnsafeBytes { w.write(UnsafeRawBufferPointer(rebasing: $0.prefix(max))) }
        case .span(let span):
            batch.withBytes(span) { bytes in
                for k in 0..<Swift.min(bytes.count, max) {
                    let b = bytes[k]
                    w.write(b &- 33 < 94 ? b : UInt8(ascii: "_"))
                }
            }
        case .int(let n):
            w.writeInt(n)
        case .none:
            w.write(UInt8(ascii: "-"))
        }
    }

    /// Bytes outside PRINTUSASCII as `_` (RFC 5424 §6: header fields have no spaces).
    static func sanitised(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 &- 33 < 94 ? $0 : UInt8(ascii: "_") }
    }

    /// Decimal digits of `n`.
    static func digits(_ n: UInt64) -> Int {
        var count = 1
        var v = n
        while v >= 10 { v /= 10; count += 1 }
        return count
    }
}
