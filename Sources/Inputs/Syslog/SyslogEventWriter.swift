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
            let i = batch.append(timestamp: m.timestamp ?? now, message: UnsafeRawBufferPointer(rebasing: bytes[m.message]))
            batch.appendField(i, .known(.facility), .int(Int64(m.facility)))
            batch.appendField(i, .known(.severity), .int(Int64(m.severity)))
            func put(_ key: KnownField, _ range: Range<Int>) {
                guard !range.isEmpty else { return }
                batch.appendField(i, .known(key), .bytes(batch.store(UnsafeRawBufferPointer(rebasing: bytes[range]))))
            }
            put(.hostname, m.hostname)
            put(.appname, m.appname)
            put(.procid, m.procid)
            put(.msgid, m.msgid)
            put(.structuredData, m.structuredData)
            return true
        case .failure:
            appendMalformed(bytes, now: now, into: &batch)
            return false
        }
    }

    func appendMalformed(_ bytes: UnsafeRawBufferPointer, now: Int64, into batch: inout LogBatch) {
        let i = batch.append(timestamp: now, message: bytes)
        batch.appendField(i, .known(.malformed), .bool(true))
    }
}
