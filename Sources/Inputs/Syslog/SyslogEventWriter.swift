import Codecs
import Pipeline

/// Appends one syslog message to a batch as a log event with the drain's fields.
///
/// A message that does not parse is kept with `malformed: true` and its raw bytes.
struct SyslogEventWriter: Sendable {
    let timeZoneOffsetMinutes: Int

    /// Appends `bytes`; returns false when the message was malformed.
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer, now: Int64, into batch: inout LogBatch) -> Bool {
        let parser = SyslogParser(now: now, timeZoneOffsetMinutes: timeZoneOffsetMinutes)
        switch parser.parse(bytes) {
        case .success(let m):
            batch.appendSyslog(m, from: bytes, now: now)
            return true
        case .failure:
            appendMalformed(bytes, now: now, into: &batch)
            return false
        }
    }

    func appendMalformed(_ bytes: UnsafeRawBufferPointer, now: Int64, into batch: inout LogBatch) {
        batch.appendMalformedSyslog(bytes, now: now)
    }
}
