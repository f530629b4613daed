import Codecs
import Pipeline

extension LogBatch {
    /// Appends a parsed syslog message from `bytes` as an event with the fields every syslog
    /// and drain event carries (SPEC §4); returns its index.
    @discardableResult
    mutating func appendSyslog(_ m: SyslogMessage, from bytes: UnsafeRawBufferPointer, now: Int64) -> Int {
        let i = append(timestamp: m.timestamp ?? now, message: UnsafeRawBufferPointer(rebasing: bytes[m.message]))
        appendField(i, .known(.facility), .int(Int64(m.facility)))
        appendField(i, .known(.severity), .int(Int64(m.severity)))
        // One call per field, no array of them: this runs once per message.
        func put(_ key: KnownField, _ range: Range<Int>) {
            guard !range.isEmpty else { return }
            appendField(i, .known(key), .bytes(store(UnsafeRawBufferPointer(rebasing: bytes[range]))))
        }
        put(.hostname, m.hostname)
        put(.appname, m.appname)
        put(.procid, m.procid)
        put(.msgid, m.msgid)
        put(.structuredData, m.structuredData)
        return i
    }

    /// Appends bytes that are not a syslog message as an event with `malformed: true` and the
    /// raw bytes as its message; returns its index.
    @discardableResult
    mutating func appendMalformedSyslog(_ raw: UnsafeRawBufferPointer, now: Int64) -> Int {
        let i = append(timestamp: now, message: raw)
        appendField(i, .known(.malformed), .bool(true))
        return i
    }
}
