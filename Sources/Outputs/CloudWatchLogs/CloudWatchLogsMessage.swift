import Codecs
import NIOCore

/// A message as CloudWatch Logs receives it: valid UTF-8 (each invalid byte becomes U+FFFD,
/// as AWS would refuse the whole request's JSON otherwise), cut at a character boundary
/// to `max` bytes, and written as a JSON string.
///
/// `length` and `write` walk the bytes the same way, so the size counted against the
/// batch limit (UTF-8 bytes as sent, escapes aside) is the size sent.
enum CloudWatchLogsMessage {
    /// U+FFFD REPLACEMENT CHARACTER in UTF-8.
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// The bytes of `message` as sent, and whether it had to be cut to `max`.
    static func length(_ message: UnsafeRawBufferPointer, max: Int) -> (bytes: Int, cut: Bool) {
        var sent = 0
        var i = 0
        while i < message.count {
            let (size, valid) = sequence(message, at: i)
            let out = valid ? size : replacement.count
            if sent + out > max { return (sent, true) }
            sent += out
            i += size
        }
        return (sent, false)
    }

    /// Writes `message` as a quoted JSON string: at most `max` bytes of repaired UTF-8;
    /// returns those bytes' count (what `length` says).
    @discardableResult
    static func write(_ message: UnsafeRawBufferPointer, max: Int, into buffer: inout ByteBuffer) -> Int {
        buffer.writeInteger(UInt8(ascii: "\""))
        var sent = 0
        var run = 0  // start of the bytes not written yet that need no escape
        var i = 0
        func flush(to end: Int) {
            if run < end { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: message[run..<end])) }
        }
        while i < message.count {
            let b = message[i]
            if b < 0x80, sent < max {
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                    flush(to: i)
                    JSONWriter.writeEscaped(b, into: &buffer)
                    run = i + 1
                }
                sent += 1
                i += 1
                continue
            }
            let (size, valid) = sequence(message, at: i)
            let out = valid ? size : replacement.count
            if sent + out > max { break }
            if !valid {
                flush(to: i)
                buffer.writeBytes(replacement)
                run = i + size
            }
            sent += out
            i += size
        }
        flush(to: i)
        buffer.writeInteger(UInt8(ascii: "\""))
        return sent
    }

    /// The length of the UTF-8 sequence at `i` and whether it is valid (RFC 3629 §4: no
    /// overlong forms, no surrogates, nothing past U+10FFFF); an invalid one is 1 byte long.
    private static func sequence(_ s: UnsafeRawBufferPointer, at i: Int) -> (Int, Bool) {
        let b = s[i]
        if b < 0x80 { return (1, true) }
        let size: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the second byte's range
        switch b {
        case 0xC2...0xDF: size = 2
        case 0xE0: size = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: size = 3
        case 0xED: size = 3; high = 0x9F
        case 0xF0: size = 4; low = 0x90
        case 0xF1...0xF3: size = 4
        case 0xF4: size = 4; high = 0x8F
        default: return (1, false)
        }
        guard i + size <= s.count, (low...high).contains(s[i + 1]) else { return (1, false) }
        for k in 2..<size where s[i + k] & 0xC0 != 0x80 { return (1, false) }
        return (size, true)
    }
}
