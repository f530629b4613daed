import Codecs
import NIOCore
import Pipeline

/// Splits one TCP connection's bytes into syslog messages (RFC 6587), the framing chosen by the
/// connection's first byte:
///
///     "83 <13>1 2026-…"   a digit → octet counting (§3.4.1): MSG-LEN SP MSG
///     "<13>Nov 29 …\n"    `<`     → non-transparent framing (§3.4.2): MSG LF
///
/// A frame over `max_message_bytes` is refused (counted `too_large`); the frames after it still
/// arrive: octet counting skips it by its count, LF framing up to its LF.
struct SyslogStreamDecoder {
    private enum Framing {
        case undecided
        case octetCounting(OctetCountingFramer)
        case lines(discarding: Bool)
    }

    let maxMessageBytes: Int
    private var framing = Framing.undecided
    private var buffer: ByteBuffer?

    init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    /// What one call found besides the events it appended.
    struct Counts {
        var malformed = 0
        var tooLarge = 0
    }

    /// Appends the complete messages of `chunk` (and of bytes held from earlier reads) to `batch`.
    mutating func decode(_ chunk: inout ByteBuffer, isComplete: Bool, writer: SyslogEventWriter, now: Int64,
                         into batch: inout LogBatch) -> Counts {
        if buffer == nil { buffer = chunk } else { buffer!.writeBuffer(&chunk) }
        var held = buffer!
        buffer = nil
        if case .undecided = framing, let first = held.readableBytesView.first(where: { $0 != 10 && $0 != 13 && $0 != 32 }) {
            framing = first &- 48 < 10
                ? .octetCounting(OctetCountingFramer(maxFrameBytes: maxMessageBytes, counts: .trusted))
                : .lines(discarding: false)
        }
        var counts = Counts()
        let consumed: Int
        switch framing {
        case .undecided:
            consumed = held.readableBytes
        case .octetCounting(var framer):
            consumed = held.withUnsafeReadableBytes { bytes in
                Self.octetCounted(bytes, &framer, isComplete, writer, now, &batch, &counts)
            }
            framer.rebase(droppingFirst: consumed)
            framing = .octetCounting(framer)
        case .lines(var discarding):
            consumed = held.withUnsafeReadableBytes { bytes in
                lines(bytes, &discarding, isComplete, writer, now, &batch, &counts)
            }
            framing = .lines(discarding: discarding)
        }
        held.moveReaderIndex(forwardBy: consumed)
        if held.readableBytes > 0 {
            if held.readerIndex > 65536 { held.discardReadBytes() }
            buffer = held
        }
        return counts
    }

    private static func octetCounted(_ bytes: UnsafeRawBufferPointer, _ framer: inout OctetCountingFramer, _ isComplete: Bool,
                                     _ writer: SyslogEventWriter, _ now: Int64, _ batch: inout LogBatch,
                                     _ counts: inout Counts) -> Int {
        while true {
            switch framer.next(bytes, isComplete: isComplete) {
            case .frame(let range):
                if !writer.append(UnsafeRawBufferPointer(rebasing: bytes[range]), now: now, into: &batch) { counts.malformed += 1 }
            case .malformed(let range, let reason):
                if reason.hasPrefix("frame of ") {
                    counts.tooLarge += 1
                } else {
                    counts.malformed += 1
                    writer.appendMalformed(UnsafeRawBufferPointer(rebasing: bytes[range]), now: now, into: &batch)
                }
            case .needMoreData, .end:
                return framer.position
            }
        }
    }

    private func lines(_ bytes: UnsafeRawBufferPointer, _ discarding: inout Bool, _ isComplete: Bool,
                       _ writer: SyslogEventWriter, _ now: Int64, _ batch: inout LogBatch, _ counts: inout Counts) -> Int {
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 10)
            let end = newline ?? bytes.count
            guard newline != nil || isComplete else {
                if end - start > maxMessageBytes {
                    if !discarding { counts.tooLarge += 1 }
                    discarding = true
                    return bytes.count
                }
                return start
            }
            var line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if line.last == 13 { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
            if discarding {
                discarding = false
            } else if line.count > maxMessageBytes {
                counts.tooLarge += 1
            } else if !line.isEmpty {
                if !writer.append(line, now: now, into: &batch) { counts.malformed += 1 }
            }
            start = end + 1
        }
        return bytes.count
    }
}
