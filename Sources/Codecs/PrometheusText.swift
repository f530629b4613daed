import NIOCore

/// Pieces of the Prometheus text exposition format 0.0.4.
public enum PrometheusText {
    /// Writes a sample value as Prometheus prints it (`+Inf`, `-Inf`, `NaN`, integers without `.0`).
    public static func writeValue(_ value: Double, into buffer: inout ByteBuffer) {
        if value.isNaN {
            buffer.writeStaticString("NaN")
        } else if value.isInfinite {
            buffer.writeStaticString(value > 0 ? "+Inf" : "-Inf")
        } else if value == value.rounded(), abs(value) < 1e15 {
            JSONWriter.writeInt(Int64(value), into: &buffer)
        } else {
            buffer.writeString(value.description)
        }
    }

    /// A sample value as Prometheus prints it, as a string (for `le` label values).
    public static func format(_ value: Double) -> String {
        var buffer = ByteBuffer()
        writeValue(value, into: &buffer)
        return String(buffer: buffer)
    }

    /// Writes a label value with `\`, `"` and newline escaped.
    public static func writeLabelValue(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var runStart = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\n") else { continue }
            if runStart < i { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<i])) }
            buffer.writeStaticString(b == UInt8(ascii: "\n") ? "\\n" : (b == UInt8(ascii: "\"") ? "\\\"" : "\\\\"))
            runStart = i + 1
        }
        if runStart < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart...])) }
    }

    /// Writes a label value given as a Swift string.
    public static func writeLabelValue(_ value: String, into buffer: inout ByteBuffer) {
        var s = value
        s.withUTF8 { writeLabelValue(UnsafeRawBufferPointer($0), into: &buffer) }
    }

    /// Writes one sample line: `name{k="v",…} value` and a newline.
    public static func writeSample(name: String, labels: [(String, String)], value: Double, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        if !labels.isEmpty {
            buffer.writeStaticString("{")
            for (i, (k, v)) in labels.enumerated() {
                if i > 0 { buffer.writeStaticString(",") }
                buffer.writeString(k)
                buffer.writeStaticString("=\"")
                writeLabelValue(v, into: &buffer)
                buffer.writeStaticString("\"")
            }
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString(" ")
        writeValue(value, into: &buffer)
        buffer.writeStaticString("\n")
    }
}
