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
///   whole (starts `[`, ends `]`, no control bytes) and leaves the message within
///   `maxMessageBytes`, else `-` (counted as a cut when too long).
/// - MSG: the message bytes, without a BOM. A message that would make the whole message longer
///   than `maxMessageBytes` is cut at a UTF-8 character boundary (the caller counts it).
///   Newline framing drops a trailing CR/LF and turns every other LF into a space, so one
///   event stays one frame; octet counting sends the bytes as they are.
///
/// Each message is measured first (its header values resolved, its MSG cut), then written
/// in one pass through a `RawWriter` into space reserved in the output buffer: no scratch
/// copy and no allocation per event.
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
    /// `2026-11-29T18:00:00.123456Z`.
    static let timestampBytes = 27

    let fixed: Fixed
    /// HOSTNAME when neither fixed nor in the event (the machine's name, sanitised).
    let defaultHostname: [UInt8]
    let framing: SyslogFraming
    /// The longest message (header, STRUCTURED-DATA and MSG; the frame's count and LF aside).
    let maxMessageBytes: Int

    init(fixed: Fixed, defaultHostname: [UInt8], framing: SyslogFraming, maxMessageBytes: Int) {
        self.fixed = fixed
        self.defaultHostname = defaultHostname
        self.framing = framing
        self.maxMessageBytes = maxMessageBytes
    }

    /// Appends event `i` of `batch` to `out` as one frame; true when its MSG was cut.
    func encode(_ batch: LogBatch, _ i: Int, into out: inout ByteBuffer) -> Bool {
        let facility = fixed.facility ?? Self.priorityPart(batch, batch.field(i, .facility), max: 23, SyslogPriority.facility)
            ?? SyslogPriority.defaultFacility
        let severity = fixed.severity ?? Self.priorityPart(batch, batch.field(i, .severity), max: 7, SyslogPriority.severity)
            ?? SyslogPriority.defaultSeverity
        let pri = Int64(facility) * 8 + Int64(severity)
        let host = fixed.hostname.map(SyslogHeaderValue.fixed)
            ?? SyslogHeaderValue(batch.field(i, .hostname), fallback: .fixed(defaultHostname))
        let app = fixed.appname.map(SyslogHeaderValue.fixed) ?? SyslogHeaderValue(batch.field(i, .appname))
        let proc = SyslogHeaderValue(batch.field(i, .procid))
        let msgid = fixed.msgid.map(SyslogHeaderValue.fixed) ?? SyslogHeaderValue(batch.field(i, .msgid))
        var sd = Self.structuredData(batch, batch.field(i, .structuredData))
        // <PRI>1 TIMESTAMP SP HOST SP APP SP PROC SP MSGID SP SD SP
        var header = 4 + SyslogHeaderValue.digits(UInt64(pri)) + Self.timestampBytes + 1
            + host.length(max: Self.maxHostname) + 1 + app.length(max: Self.maxAppname) + 1
            + proc.length(max: Self.maxProcid) + 1 + msgid.length(max: Self.maxMsgid) + 1 + Int(sd?.length ?? 1) + 1
        // Structured data that alone overflows `maxMessageBytes` goes as `-` (counted as a cut).
        let sdDropped = header > maxMessageBytes && sd != nil
        if sdDropped, let dropped = sd {
            header -= Int(dropped.length) - 1
            sd = nil
        }
        let newlines = framing == .newline
        let room = max(0, maxMessageBytes - header)
        var (messageEnd, truncated) = batch.withMessage(i) { Self.messageEnd($0, room: room, newlines: newlines) }
        truncated = truncated || sdDropped
        let length = header + messageEnd
        let timestamp = batch.records[i].timestamp
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: length + 12) { raw in
            var w = RawWriter(raw)
            if framing == .octetCounting {
                w.writeInt(Int64(length))
                w.write(UInt8(ascii: " "))
            }
            w.write(UInt8(ascii: "<"))
            w.writeInt(pri)
            w.write(">1 ")
            Self.writeTimestamp(nanoseconds: timestamp, into: &w)
            w.write(UInt8(ascii: " "))
            host.write(batch, max: Self.maxHostname, into: &w)
            w.write(UInt8(ascii: " "))
            app.write(batch, max: Self.maxAppname, into: &w)
            w.write(UInt8(ascii: " "))
            proc.write(batch, max: Self.maxProcid, into: &w)
            w.write(UInt8(ascii: " "))
            msgid.write(batch, max: Self.maxMsgid, into: &w)
            w.write(UInt8(ascii: " "))
            if let sd { batch.withBytes(sd) { w.write($0) } } else { w.write(UInt8(ascii: "-")) }
            w.write(UInt8(ascii: " "))
            batch.withMessage(i) { Self.writeMessage(UnsafeRawBufferPointer(rebasing: $0[0..<messageEnd]), newlines: newlines, into: &w) }
            if newlines { w.write(UInt8(ascii: "\n")) }
            return w.count
        }
        return truncated
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

    /// The `structured_data` field when it looks whole (`[` … `]`, no control bytes); nil writes `-`.
    private static func structuredData(_ batch: LogBatch, _ value: FieldValue?) -> ByteSpan? {
        guard case .bytes(let span) = value, span.length >= 2 else { return nil }
        let whole = batch.withBytes(span) { sd in
            sd.first == UInt8(ascii: "[") && sd.last == UInt8(ascii: "]") && !sd.contains { $0 < 32 || $0 == 127 }
        }
        return whole ? span : nil
    }

    /// Where MSG ends: with `newlines`, before a trailing CR/LF; cut to `room` bytes at a
    /// character boundary. True when cut.
    private static func messageEnd(_ message: UnsafeRawBufferPointer, room: Int, newlines: Bool) -> (Int, Bool) {
        var end = message.count
        if newlines {
            while end > 0, message[end - 1] == UInt8(ascii: "\n") || message[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        }
        guard end > room else { return (end, false) }
        end = room
        // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx) to a lead byte.
        while end > 0, message[end] & 0xC0 == 0x80 { end -= 1 }
        return (end, true)
    }

    /// MSG; with `newlines`, every LF as a space, so the event stays one line.
    private static func writeMessage(_ body: UnsafeRawBufferPointer, newlines: Bool, into w: inout RawWriter) {
        guard newlines else { return w.write(body) }
        var start = 0
        while let lf = body[start...].firstIndex(of: UInt8(ascii: "\n")) {
            w.write(UnsafeRawBufferPointer(rebasing: body[start..<lf]))
            w.write(UInt8(ascii: " "))
            start = lf + 1
        }
        w.write(UnsafeRawBufferPointer(rebasing: body[start...]))
    }

    /// `2026-11-29T18:00:00.123456Z` (RFC 3339, UTC, microseconds; RFC 5424 §6.2.3 allows at most six digits).
    static func writeTimestamp(nanoseconds: Int64, into w: inout RawWriter) {
        RFC3339.write(nanoseconds: nanoseconds, fractionDigits: 6, into: &w)
    }

    /// The same into a `ByteBuffer` (tests, logs).
    static func writeTimestamp(nanoseconds: Int64, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: timestampBytes) { raw in
            var w = RawWriter(raw)
            writeTimestamp(nanoseconds: nanoseconds, into: &w)
            return w.count
        }
    }
}
