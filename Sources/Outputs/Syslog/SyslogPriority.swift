/// Syslog facility and severity names and numbers (RFC 5424 §6.2.1, tables 1 and 2), read
/// from configuration and from event fields without allocating.
enum SyslogPriority {
    /// Facility names by number; `security` and `audit`, `clock` and `cron2` share 13 and 15 in practice.
    static let facilities: [StaticString] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "ntp", "security", "console", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]
    /// Other names accepted for a facility number.
    static let facilityAliases: [(StaticString, UInt8)] = [("audit", 13), ("cron2", 15)]
    /// Severity names by number.
    static let severities: [StaticString] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
    /// Other names accepted for a severity number.
    static let severityAliases: [(StaticString, UInt8)] = [
        ("emergency", 0), ("critical", 2), ("error", 3), ("warn", 4), ("informational", 6),
    ]

    /// `user`: RFC 5424's usual facility when none is known.
    static let defaultFacility: UInt8 = 1
    /// `notice`: as rsyslog and util-linux `logger` default.
    static let defaultSeverity: UInt8 = 5

    /// A facility from its name or number (`local0`, `16`); nil when neither.
    static func facility(_ bytes: UnsafeRawBufferPointer) -> UInt8? {
        lookup(bytes, names: facilities, aliases: facilityAliases, max: 23)
    }

    /// A severity from its name or number (`warning`, `4`); nil when neither.
    static func severity(_ bytes: UnsafeRawBufferPointer) -> UInt8? {
        lookup(bytes, names: severities, aliases: severityAliases, max: 7)
    }

    /// A configuration value (`facility: local0`, `severity: 4`).
    static func facility(_ text: String) -> UInt8? {
        var text = text
        return text.withUTF8 { facility(UnsafeRawBufferPointer($0)) }
    }

    static func severity(_ text: String) -> UInt8? {
        var text = text
        return text.withUTF8 { severity(UnsafeRawBufferPointer($0)) }
    }

    private static func lookup(_ bytes: UnsafeRawBufferPointer, names: [StaticString], aliases: [(StaticString, UInt8)],
                               max: UInt8) -> UInt8? {
        if let number = decimal(bytes) { return number <= Int(max) ? UInt8(number) : nil }
        for (n, name) in names.enumerated() where equals(bytes, name) { return UInt8(n) }
        for (name, n) in aliases where equals(bytes, name) { return n }
        return nil
    }

    /// Up to three ASCII digits as a number; nil for anything else.
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard (1...3).contains(bytes.count) else { return nil }
        var value = 0
        for b in bytes {
            guard b &- 48 < 10 else { return nil }
            value = value * 10 + Int(b &- 48)
        }
        return value
    }

    /// Case-insensitive ASCII comparison with a lower-case name.
    private static func equals(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let start = name.utf8Start
        for k in 0..<bytes.count {
            let b = bytes[k] &- 65 < 26 ? bytes[k] | 0x20 : bytes[k]
            if b != start[k] { return false }
        }
        return true
    }
}
