import Codecs
import NIOCore
import Pipeline

/// The JSON push body (Loki's `/loki/api/v1/push` with `Content-Type: application/json`):
///
/// ```
/// {"streams":[{"stream":{"app":"web","env":"prod"},"values":[["1795975200000000000","line"],…]},…]}
/// ```
/// Timestamps are Unix nanoseconds as strings. The `stream` object is read back from the
/// stream's label string (which the output wrote, so its escapes are known) once per stream
/// and request; each value is a JSON string written through a `RawWriter` into space
/// reserved for its worst case.
extension LokiEncoder {
    static func writeJSONStream(_ run: ArraySlice<LokiEntry>, first: Bool, _ streams: LokiStreams, _ lines: ByteBuffer,
                                _ batches: [LogBatch], into buffer: inout ByteBuffer) {
        buffer.writeStaticString(first ? #"{"stream":"# : #",{"stream":"#)
        streams.withLabels(Int(run.first!.stream)) { writeStreamObject($0, into: &buffer) }
        buffer.writeStaticString(#","values":["#)
        for k in run.indices {
            let entry = run[k]
            let bound = 26 + RawWriter.jsonStringBound(Int(entry.lineLength))
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { space in
                var out = RawWriter(space)
                if k != run.startIndex { out.write(UInt8(ascii: ",")) }
                out.write(#"[""#)
                out.writeInt(entry.timestamp)
                out.write(#"","#)
                withLine(entry, lines, batches) { out.writeJSONString($0) }
                out.write(UInt8(ascii: "]"))
                return out.count
            }
        }
        buffer.writeStaticString("]}")
    }

    /// Writes a label string `{a="x", b="y\"z"}` (as `LokiLabelRenderer` makes it) as `{"a":"x","b":"y\"z"}`.
    static func writeStreamObject(_ labels: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var value: [UInt8] = []
        var i = 1  // after `{`
        buffer.writeStaticString("{")
        while i < labels.count, labels[i] != UInt8(ascii: "}") {
            if labels[i] == UInt8(ascii: ",") {
                buffer.writeStaticString(",")
                i += 2  // `, `
            }
            let nameStart = i
            while labels[i] != UInt8(ascii: "=") { i += 1 }
            buffer.writeStaticString("\"")
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: labels[nameStart..<i]))  // a label name: no escapes
            buffer.writeStaticString("\":")
            i += 2  // `="`
            value.removeAll(keepingCapacity: true)
            while labels[i] != UInt8(ascii: "\"") {
                if labels[i] == UInt8(ascii: "\\") {
                    i += 1
                    switch labels[i] {
                    case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                    case UInt8(ascii: "r"): value.append(UInt8(ascii: "\r"))
                    case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                    default: value.append(labels[i])  // `\"` and `\\`
                    }
                } else {
                    value.append(labels[i])
                }
                i += 1
            }
            i += 1  // closing quote
            value.withUnsafeBytes { JSONWriter.writeString($0, into: &buffer) }
        }
        buffer.writeStaticString("}")
    }
}
