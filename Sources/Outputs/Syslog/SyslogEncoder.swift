import Codecs
import NIOCore
import Pipeline

/// How messages are delimited on the wire (RFC 6587 §3.4, RFC 5425 §4.3).
///
///     octetCounting   "47 <13>1 2026-11-29T18:00:00.000000Z web app - - - hello"
///     newline         "<13>1 2026-11-29T18:00:00.000000Z web app - - - hello\n"
///     none            one message per datagram (UDP, RFC 5426)
enum SyslogFraming: String, Sendable {
    case octetCounting = "octet_counting"
    case newline
    case none
}

/// Writes log events as framed RFC 5424 messages, straight from the batch's bytes.
///
///     <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
///     <134>1 2026-11-29T18:00:00.123456Z web-1 nginx 811 - [origin ip="10.0.0.1"] GET / 200
///
/// - PRI: `facility * 8 + severity`, fixed or from the event's `facility`/`severity` fields
///   (a number or a name like `local0`, `warning`), else user (1) and notice (5).
/// - TIMESTAMP: the event's, RFC 3339 in UTC with microseconds (RFC 5424 allows six digits).
/// - HOSTNAME, APP-NAME, PROCID, MSGID: fixed or the event's fields, else `-` (the machine's
///   name for HOSTNAME). Bytes outside PRINTUSASCII (33–126) become `_`, and values are cut
///   to RFC 5424's 255, 48, 128 and 32 bytes.
/// - STRUCTURED-DATA: the `structured_data` field as received (`[id k="v"]…`) when it looks
///   whole (starts `[`, ends `]`, no control bytes), else `-`.
/// - MSG: the message bytes, without a BOM. A message that would make the whole message longer
///   than `maxMessageBytes` is cut at a UTF-8 character boundary (the caller counts it).
///   Newline framing drops a trailing CR/LF and turns every other LF into a space, so one
///   event stays one frame; octet counting sends the bytes as they are.
///
/// The encoder keeps one scratch buffer, so encoding allocates nothing per event.
struct SyslogEncoder {
    /// Header values set in the configuration, already sanitised; nil takes the event's field.
    struct Fixed: Sendable, Equatable {
        var hostname: [UInt8]?
        var appname: [UInt8]?
        var msgid: [UInt8]?
        var facility: UInt8?
        var severity: UInt8?
    }

    /// RFC 5424 §6: the longest HOSTNAME, APP-NAME, PROCID and MSGID.
    static let maxHostname = 255, maxAppname = 48, maxProcid = 128, maxMsgid = 32
    /// The most a header (PRI to MSGID and the spaces) takes, so `maxMessageBytes` leaves room for MSG.
    static let maxHeaderBytes = 5 + 2 + 27 + 1 + 255 + 1 + 48 + 1 + 128 + 1 + 32 + 1

    let fixed: Fixed
    /// HOSTNAME when neither fixed nor in the event (the machine's name, sanitised).
    let defaultHostname: [UInt8]
    let framing: SyslogFraming
    /// The longest message (header, STRUCTURED-DATA and MSG; the frame's count and LF aside).
    let maxMessageBytes: Int
    private var scratch = ByteBuffer()

    init(fixed: Fixed, defaultHostname: [UInt8], framing: SyslogFraming, maxMessageBytes: Int) {
        self.fixed = fixed
        self.defaultHostname = defaultHostname
        self.framing = framing
        self.maxMessageBytes = maxMessageBytes
        scratch.reserveCapacity(min(maxMessageBytes, 4096))
    }

    /// Appends event `i` of `batch` to `out` as one frame; true when its MSG was cut.
    mutating func encode(_ batch: LogBatch, _ i: Int, into out: inout ByteBuffer) -> Bool {
        scratch.clear()
        writeHeader(batch, i, into: &scratch)
        let room = max(0, maxMessageBytes - scratch.readableBytes)
        let framing = framing
        let truncated = batch.withMessage(i) { message in
            Self.writeMessage(message, room: room, newlines: framing == .newline, into: &scratch)
        }
        switch framing {
        case .octetCounting:
            Self.writeDecimal(scratch.readableBytes, into: &out)
            out.writeInteger(UInt8(ascii: " "))
            out.writeImmutableBuffer(scratch)
        case .newline:
            out.writeImmutableBuffer(scratch)
            out.writeInteger(UInt8(ascii: "\n"))
        case .none:
            out.writeImmutableBuffer(scratch)
        }
        return truncated
    }

    private func writeHeader(_ batch: LogBatch, _ i: Int, into buffer: inout ByteBuffer) {
        let facility = fixed.facility ?? Self.priorityPart(batch, batch.field(i, .facility), max: 23, SyslogPriority.facility)
            ?? SyslogPriority.defaultFacility
        let severity = fixed.severity ?? Self.priorityPart(batch, batch.field(i, .severity), max: 7, SyslogPriority.severity)
            ?? SyslogPriority.defaultSeverity
        buffer.writeInteger(UInt8(ascii: "<"))
        Self.writeDecimal(Int(facility) * 8 + Int(severity), into: &buffer)
        buffer.writeStaticString(">1 ")
        Self.writeTimestamp(nanoseconds: batch.records[i].timestamp, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        if let hostname = fixed.hostname {
            buffer.writeBytes(hostname)
        } else if !Self.writeField(batch, batch.field(i, .hostname), max: Self.maxHostname, into: &buffer) {
            buffer.writeBytes(defaultHostname)
        }
        buffer.writeInteger(UInt8(ascii: " "))
        Self.writeHeaderValue(fixed.appname, batch, batch.field(i, .appname), max: Self.maxAppname, into: &buffer)
        Self.writeHeaderValue(nil, batch, batch.field(i, .procid), max: Self.maxProcid, into: &buffer)
        Self.writeHeaderValue(fixed.msgid, batch, batch.field(i, .msgid), max: Self.maxMsgid, into: &buffer)
        Self.writeStructuredData(batch, batch.field(i, .structuredData), into: &buffer)
    }

    /// A fixed value, the field, or `-`; then a space.
    private static func writeHeaderValue(_ fixed: [UInt8]?, _ batch: LogBatch, _ value: FieldValue?, max: Int,
                                         into buffer: inout ByteBuffer) {
        if let fixed {
            buffer.writeBytes(fixed)
        } else if !writeField(batch, value, max: max, into: &buffer) {
            buffer.writeInteger(UInt8(ascii: "-"))
        }
        buffer.writeInteger(UInt8(ascii: " "))
    }

    /// Writes a field's value sanitised; false (nothing written) when absent or empty.
    private static func writeField(_ batch: LogBatch, _ value: FieldValue?, max: Int, into buffer: inout ByteBuffer) -> Bool {
        switch value {
        case .bytes(let span):
            guard span.length > 0 else { return false }
            batch.withBytes(span) { writeSanitised($0, max: max, into: &buffer) }
        case .int(let n):
            if n < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
            writeDecimal(Int(n.magnitude), into: &buffer)
        case .double(let d):
            var text = String(d)
            text.withUTF8 { writeSanitised(UnsafeRawBufferPointer($0), max: max, into: &buffer) }
        case .bool(let b):
            buffer.writeStaticString(b ? "true" : "false")
        case nil:
            return false
        }
        return true
    }

    /// PRINTUSASCII only (RFC 5424 §6: no spaces in header fields), at most `max` bytes.
    static func writeSanitised(_ bytes: UnsafeRawBufferPointer, max: Int, into buffer: inout ByteBuffer) {
        let n = min(bytes.count, max)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: n) { out in
            for k in 0..<n {
                let b = bytes[k]
                out[k] = b &- 33 < 94 ? b : UInt8(ascii: "_")
            }
            return n
        }
    }

    /// A facility or severity field: a number up to `max`, or a name `named` knows.
    private static func priorityPart(_ batch: LogBatch, _ value: FieldValue?, max: Int64,
                                     _ named: (UnsafeRawBufferPointer) -> UInt8?) -> UInt8? {
        switch value {
        case .int(let n): (0...max).contains(n) ? UInt8(n) : nil
        case .bytes(let span): batch.withBytes(span, named)
        default: nil
        }
    }

    private static func writeStructuredData(_ batch: LogBatch, _ value: FieldValue?, into buffer: inout ByteBuffer) {
        if case .bytes(let span) = value, span.length >= 2 {
            let whole = batch.withBytes(span) { sd in
                sd.first == UInt8(ascii: "[") && sd.last == UInt8(ascii: "]") && !sd.contains { $0 < 32 || $0 == 127 }
            }
            if whole {
                batch.withBytes(span) { buffer.writeBytes($0) }
                buffer.writeInteger(UInt8(ascii: " "))
                return
            }
        }
        buffer.writeStaticString("- ")
    }

    /// MSG, cut to `room` bytes at a character boundary; with `newlines`, one line. True when cut.
    private static func writeMessage(_ message: UnsafeRawBufferPointer, room: Int, newlines: Bool,
                                     into buffer: inout ByteBuffer) -> Bool {
        var end = message.count
        if newlines {
            while end > 0, message[end - 1] == UInt8(ascii: "\n") || message[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        }
        let truncated = end > room
        if truncated {
            end = room
            // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx) to a lead byte.
            while end > 0, message[end] & 0xC0 == 0x80 { end -= 1 }
        }
        let body = UnsafeRawBufferPointer(rebasing: message[0..<end])
        guard newlines else {
            buffer.writeBytes(body)
            return truncated
        }
        var start = 0
        while let lf = body[start...].firstIndex(of: UInt8(ascii: "\n")) {
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: body[start..<lf]))
            buffer.writeInteger(UInt8(ascii: " "))
            start = lf + 1
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: body[start...]))
        return truncated
    }

    /// `2026-11-29T18:00:00.123456Z` (RFC 3339, UTC, microseconds; RFC 5424 §6.2.3 allows at most six digits).
    static func writeTimestamp(nanoseconds: Int64, into buffer: inout ByteBuffer) {
        var seconds = nanoseconds / 1_000_000_000
        var nanos = nanoseconds % 1_000_000_000
        if nanos < 0 { nanos += 1_000_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = RFC3339.civilDate(daysSinceEpoch: days)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 27) { out in
            var i = 0
            func put(_ value: Int64, _ digits: Int) {
                var v = value
                for d in stride(from: digits - 1, through: 0, by: -1) {
                    out[i + d] = UInt8(truncatingIfNeeded: 48 + v % 10)
                    v /= 10
                }
                i += digits
            }
            func char(_ c: UInt8) { out[i] = c; i += 1 }
            put(year, 4); char(UInt8(ascii: "-")); put(month, 2); char(UInt8(ascii: "-")); put(day, 2)
            char(UInt8(ascii: "T")); put(secondOfDay / 3600, 2); char(UInt8(ascii: ":")); put(secondOfDay / 60 % 60, 2)
            char(UInt8(ascii: ":")); put(secondOfDay % 60, 2); char(UInt8(ascii: ".")); put(nanos / 1000, 6)
            char(UInt8(ascii: "Z"))
            return i
        }
    }

    /// A non-negative integer in decimal.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        var digits = 1
        var probe = value
        while probe >= 10 { probe /= 10; digits += 1 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            var v = value
            for d in stride(from: digits - 1, through: 0, by: -1) {
                out[d] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            }
            return digits
        }
    }
}
