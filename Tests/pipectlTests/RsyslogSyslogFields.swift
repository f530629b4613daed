import Foundation
import XCTest

/// One syslog message's fields (SPEC §4), compared field by field between what a test sent,
/// what pipectl wrote as JSON and what rsyslog wrote with its field template. Nil is absent
/// (RFC 5424's `-`).
struct SyslogFields: Equatable {
    var facility: Int
    var severity: Int
    /// Unix nanoseconds of the timestamp (its offset applied).
    var timestamp: Int64
    var hostname: String?
    var appname: String?
    var procid: String?
    var msgid: String?
    var structuredData: String?
    var message: String

    /// An rsyslog template `fields` that writes a message as
    /// `PRI|TIMESTAMP|HOSTNAME|APP-NAME|PROCID|MSGID|STRUCTURED-DATA|MSG`, read back by
    /// `init(rsyslogLine:)`.
    static let rsyslogTemplate =
        #"template(name="fields" type="string" string="%pri%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\n")"#

    /// The fields by name, in the order they are compared.
    var named: [(String, String)] {
        [("facility", String(facility)), ("severity", String(severity)), ("timestamp", String(timestamp)),
         ("hostname", hostname ?? "<absent>"), ("appname", appname ?? "<absent>"), ("procid", procid ?? "<absent>"),
         ("msgid", msgid ?? "<absent>"), ("structured_data", structuredData ?? "<absent>"), ("message", message)]
    }

    /// An event of a pipectl JSON (NDJSON) line; nil when it is not one or is `malformed`.
    init?(pipectlJSON line: String) {
        guard let object = jsonObject(line), object["malformed"] == nil,
              let facility = object["facility"] as? Int, let severity = object["severity"] as? Int,
              let stamp = object["timestamp"] as? String, let timestamp = SyslogFields.nanoseconds(rfc3339: stamp),
              let message = object["message"] as? String else { return nil }
        self.init(facility: facility, severity: severity, timestamp: timestamp, hostname: object["hostname"] as? String,
                  appname: object["appname"] as? String, procid: object["procid"] as? String, msgid: object["msgid"] as? String,
                  structuredData: object["structured_data"] as? String, message: message)
    }

    /// A line rsyslog wrote with `rsyslogTemplate`: `PRI|TIMESTAMP|HOST|APP|PROCID|MSGID|SD|MSG`.
    init?(rsyslogLine line: String) {
        let parts = line.split(separator: "|", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 8, let pri = Int(parts[0]), let timestamp = SyslogFields.nanoseconds(rfc3339: parts[1]) else { return nil }
        func value(_ s: String) -> String? { s == "-" || s.isEmpty ? nil : s }
        self.init(facility: pri >> 3, severity: pri & 7, timestamp: timestamp, hostname: value(parts[2]), appname: value(parts[3]),
                  procid: value(parts[4]), msgid: value(parts[5]), structuredData: value(parts[6]), message: parts[7])
    }

    init(facility: Int, severity: Int, timestamp: Int64, hostname: String?, appname: String?, procid: String?,
         msgid: String?, structuredData: String?, message: String) {
        (self.facility, self.severity, self.timestamp) = (facility, severity, timestamp)
        (self.hostname, self.appname, self.procid, self.msgid) = (hostname, appname, procid, msgid)
        (self.structuredData, self.message) = (structuredData, message)
    }

    /// Unix nanoseconds of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil when it is not one.
    static func nanoseconds(rfc3339 text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count, range.allSatisfy({ b[$0] >= 48 && b[$0] <= 57 }) else { return nil }
            return Int(String(decoding: b[range], as: UTF8.self))
        }
        guard b.count >= 20, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var t = tm()
        (t.tm_year, t.tm_mon, t.tm_mday) = (Int32(year - 1900), Int32(month - 1), Int32(day))
        (t.tm_hour, t.tm_min, t.tm_sec) = (Int32(hour), Int32(minute), Int32(second))
        var nanos = Int64(timegm(&t)) * 1_000_000_000
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            var digits = 0, fraction: Int64 = 0
            i += 1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 9 { fraction = fraction * 10 + Int64(b[i] - 48); digits += 1 }
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { fraction *= 10 }
            nanos += fraction
        }
        if i == b.count - 1, b[i] == UInt8(ascii: "Z") { return nanos }
        guard i == b.count - 6, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"),
              let hours = number((i + 1)..<(i + 3)), let minutes = number((i + 4)..<(i + 6)) else { return nil }
        let offset = Int64((hours * 60 + minutes) * 60) * 1_000_000_000
        return b[i] == UInt8(ascii: "+") ? nanos - offset : nanos + offset
    }
}

/// Asserts that every expected message arrived once or more (keyed by `key`, e.g. a marker
/// word of the message) with exactly the expected fields, and that nothing else arrived.
func assertSameMessages(got: [SyslogFields], expected: [SyslogFields], key: (SyslogFields) -> String?,
                        _ context: String, file: StaticString = #filePath, line: UInt = #line) {
    var byKey: [String: SyslogFields] = [:]
    for message in got {
        guard let k = key(message) else { XCTFail("\(context): unexpected message \(message)", file: file, line: line); continue }
        byKey[k] = message
    }
    XCTAssertEqual(Set(byKey.keys), Set(expected.compactMap(key)), "\(context): the messages that arrived", file: file, line: line)
    for want in expected {
        guard let k = key(want), let have = byKey[k] else { continue }
        for ((name, wanted), (_, had)) in zip(want.named, have.named) {
            XCTAssertEqual(had, wanted, "\(context): message \(k), field \(name)", file: file, line: line)
        }
    }
}
