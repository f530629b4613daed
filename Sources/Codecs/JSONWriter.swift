import NIOCore

/// Writes JSON scalars into a `ByteBuffer` byte by byte, with no intermediate `String`.
public enum JSONWriter {
    /// Writes `bytes` as a quoted JSON string, escaping quotes, backslashes and control bytes.
    /// Bytes at or above 0x80 pass through (UTF-8 is assumed, as the sources produce it).
    public static func writeString(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            if runStart < i { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<i])) }
            writeEscaped(b, into: &buffer)
            runStart = i + 1
        }
        if runStart < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart...])) }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Writes a Swift string as a quoted JSON string.
    public static func writeString(_ string: String, into buffer: inout ByteBuffer) {
        var s = string
        s.withUTF8 { writeString(UnsafeRawBufferPointer($0), into: &buffer) }
    }

    /// Writes an integer in decimal.
    public static func writeInt(_ value: Int64, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { out in
            var v = value.magnitude
            var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return withUnsafeMutableBytes(of: &tmp) { scratch in
                var n = 0
                repeat {
                    scratch[n] = UInt8(48 + v % 10)
                    v /= 10
                    n += 1
                } while v > 0
                var i = 0
                if value < 0 { out[0] = UInt8(ascii: "-"); i = 1 }
                while n > 0 { n -= 1; out[i] = scratch[n]; i += 1 }
                return i
            }
        }
    }

    /// Writes a double; non-finite values (which JSON cannot carry) are written as strings.
    public static func writeDouble(_ value: Double, into buffer: inout ByteBuffer) {
        if value.isFinite {
            if value == value.rounded(), abs(value) < 1e15 {
                writeInt(Int64(value), into: &buffer)
            } else {
                buffer.writeString(value.description)
            }
        } else {
            buffer.writeString(value.isNaN ? "\"NaN\"" : (value > 0 ? "\"+Inf\"" : "\"-Inf\""))
        }
    }

    /// Writes `b`, a byte a JSON string must escape (`"`, a backslash, a control character), escaped.
    public static func writeEscaped(_ b: UInt8, into buffer: inout ByteBuffer) {
        switch b {
        case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
        case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
        case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
        case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
        case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            buffer.writeStaticString("\\u00")
            buffer.writeInteger(hex.utf8Start[Int(b >> 4)])
            buffer.writeInteger(hex.utf8Start[Int(b & 0xF)])
        }
    }
}
