import NIOCore

/// Hexadecimal digits, as OTLP/JSON writes trace and span ids and pipectl writes them in
/// fields and JSON lines: lowercase out, either case in.
package enum Hex {
    /// Appends `bytes` as two lowercase hex digits each.
    package static func write(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        let digits: StaticString = "0123456789abcdef"
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { raw in
            var w = RawWriter(raw)
            for b in bytes {
                w.write(digits.utf8Start[Int(b >> 4)])
                w.write(digits.utf8Start[Int(b & 0xF)])
            }
            return w.count
        }
    }

    /// The value of the hex digit `c` (`0-9`, `a-f`, `A-F`), or nil.
    @inlinable
    package static func digit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
