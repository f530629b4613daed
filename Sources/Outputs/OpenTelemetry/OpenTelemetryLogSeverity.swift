/// The OTLP `severity_number` of a severity text, case-insensitive (OpenTelemetry logs data
/// model, "Mapping of SeverityNumber", and its syslog mapping):
///
/// - trace 1, debug 5, info and informational 9, notice 10, warn and warning 13,
///   error and err 17, crit and critical 18, alert 19, fatal, emerg, emergency and panic 21;
/// - the numbered forms of the six OpenTelemetry names (`TRACE2`…`FATAL4`) add their digit
///   minus one: `INFO2` is 10, `ERROR4` is 20.
///
/// Anything else is 0 (unspecified).
enum OpenTelemetryLogSeverity {
    private static let names: [(StaticString, UInt64)] = [
        ("trace", 1), ("debug", 5), ("info", 9), ("warn", 13), ("error", 17), ("fatal", 21),
        ("informational", 9), ("notice", 10), ("warning", 13), ("err", 17), ("crit", 18), ("critical", 18),
        ("alert", 19), ("emerg", 21), ("emergency", 21), ("panic", 21),
    ]
    /// The first six have numbered forms (`INFO2`).
    private static let numbered = 6

    /// The number of `text`, or 0.
    static func number(_ text: UnsafeRawBufferPointer) -> UInt64 {
        for (name, number) in names where equalsIgnoringCase(text, name) { return number }
        guard let last = text.last, (UInt8(ascii: "2")...UInt8(ascii: "4")).contains(last) else { return 0 }
        let base = UnsafeRawBufferPointer(rebasing: text.dropLast())
        for (name, number) in names.prefix(numbered) where equalsIgnoringCase(base, name) {
            return number + UInt64(last - UInt8(ascii: "1"))
        }
        return 0
    }

    private static func equalsIgnoringCase(_ text: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard text.count == name.utf8CodeUnitCount else { return false }
        for i in 0..<text.count where text[i] | 0x20 != name.utf8Start[i] { return false }
        return true
    }
}
