import NIOCore

extension ByteBuffer {
    /// Bytes of an answer kept in a dead-letter record.
    static let deadLetterTextLimit = 4096
    /// Bytes of an answer quoted in a log line.
    static let logTextLimit = 512

    /// At most `limit` bytes of the readable bytes as text, invalid UTF-8 repaired, `…` when cut.
    func boundedText(limit: Int) -> String {
        guard readableBytes > limit else { return String(buffer: self) }
        var end = limit
        // Cut before a UTF-8 continuation byte (10xxxxxx), never inside a character.
        while end > 0, readableBytesView[readableBytesView.startIndex + end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: readableBytesView.prefix(end), as: UTF8.self) + "…"
    }

    /// The bounded text on one line: trimmed, line breaks as spaces (for log lines and reasons).
    func boundedLine(limit: Int = logTextLimit) -> String {
        let scalars = boundedText(limit: limit).unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last].map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }
}
