/// Prometheus names for OTLP metrics and attributes, after the OpenTelemetry "Prometheus and
/// OpenMetrics Compatibility" specification (metric points → Prometheus):
///
/// - A metric name keeps `[a-zA-Z0-9_:]`, a label name `[a-zA-Z0-9_]`; any other byte becomes
///   `_`, a run of `_` becomes one, and a name starting with a digit gets a `_` in front.
/// - The UCUM unit adds suffixes: the main unit's word (`s` → `seconds`, `By` → `bytes`, the
///   table below), then `per_<word>` for the unit after a `/` (`By/s` → `bytes_per_second`).
///   Annotations in braces (`{requests}`) are dropped; `1` is `ratio` on a gauge and nothing
///   otherwise; a unit not in the table is added sanitised. A suffix the name already ends
///   with, as whole `_`-separated words, is not added again.
/// - A monotonic sum (a counter) ends in `_total`, after the unit (a `_total` the name
///   already ends with is moved there).
///
///     http.server.duration, unit "ms", histogram  →  http_server_duration_milliseconds
///     system.network.io, unit "By", counter       →  system_network_io_bytes_total
///     cpu.utilization, unit "1", gauge            →  cpu_utilization_ratio
package enum OTLPMetricNaming {
    /// The kind of metric, for the suffixes that depend on it.
    package enum Shape: Sendable {
        /// An OTLP gauge: unit `1` adds `_ratio`.
        case gauge
        /// A monotonic sum: `_total` is added.
        case counter
        /// A non-monotonic sum, histogram or summary: unit suffixes only.
        case other
    }

    /// Appends the Prometheus name of metric `name` with UCUM unit `unit` to `out`.
    package static func appendMetricName(_ name: UnsafeRawBufferPointer, unit: UnsafeRawBufferPointer, shape: Shape,
                                         to out: inout [UInt8]) {
        let start = out.count
        appendSanitized(name, allowColon: true, to: &out, start: start)
        if shape == .counter { removeTotal(from: &out, start: start) }
        // Room for the unit without annotations, then its words: `<main>_per_<per>`.
        withUnsafeTemporaryAllocation(byteCount: 2 * unit.count + 32, alignment: 1) { scratch in
            let cleaned = removingAnnotations(unit, into: scratch)
            let slash = cleaned.firstIndex(of: UInt8(ascii: "/"))
            let main = UnsafeRawBufferPointer(rebasing: cleaned[..<(slash ?? cleaned.count)])
            var words = RawWriter(UnsafeMutableRawBufferPointer(rebasing: scratch[unit.count...]))
            if shape == .gauge, ByteOrder.equal(cleaned, "1") {
                words.write("ratio")
            } else if let word = word(for: main, in: mainUnits) {
                words.write(word)
            } else if !ByteOrder.equal(main, "1") {
                words.write(main)
            }
            let mainLength = words.count
            if let slash, slash + 1 < cleaned.count {
                let per = UnsafeRawBufferPointer(rebasing: cleaned[(slash + 1)...])
                words.write(mainLength > 0 ? "_per_" : "per_")
                if let word = word(for: per, in: perUnits) { words.write(word) } else { words.write(per) }
            }
            let suffix = UnsafeRawBufferPointer(start: words.base, count: words.count)
            // A name that already ends with the whole unit (`io_bytes_per_second`) keeps it as is.
            if mainLength > 0, suffix.count > mainLength {
                let before = out.count
                guard appendSuffix(suffix, to: &out, start: start) else { return }
                out.removeLast(out.count - before)
            }
            appendSuffix(UnsafeRawBufferPointer(rebasing: suffix[..<mainLength]), to: &out, start: start)
            appendSuffix(UnsafeRawBufferPointer(rebasing: suffix[mainLength...]), to: &out, start: start)
        }
        if shape == .counter { appendSuffix("total", to: &out, start: start) }
    }

    /// Appends the Prometheus label name of attribute key `name` to `out`.
    package static func appendLabelName(_ name: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendSanitized(name, allowColon: false, to: &out, start: out.count)
    }

    /// Drops a `_total` ending, which `appendMetricName` adds back after the unit
    /// (`requests_total` in bytes → `requests_bytes_total`).
    private static func removeTotal(from out: inout [UInt8], start: Int) {
        let suffix: StaticString = "_total"
        let total = UnsafeRawBufferPointer(suffix)
        guard out.count - start > total.count, out[(out.count - total.count)...].elementsEqual(total) else { return }
        out.removeLast(total.count)
    }

    /// Main units and their words (UCUM case-sensitive codes, as OpenTelemetry uses them).
    private static let mainUnits: [(StaticString, StaticString)] = [
        ("s", "seconds"), ("ms", "milliseconds"), ("us", "microseconds"), ("ns", "nanoseconds"),
        ("min", "minutes"), ("h", "hours"), ("d", "days"),
        ("By", "bytes"), ("KiBy", "kibibytes"), ("MiBy", "mebibytes"), ("GiBy", "gibibytes"), ("TiBy", "tibibytes"),
        ("KBy", "kilobytes"), ("MBy", "megabytes"), ("GBy", "gigabytes"), ("TBy", "terabytes"),
        ("m", "meters"), ("V", "volts"), ("A", "amperes"), ("J", "joules"), ("W", "watts"), ("g", "grams"),
        ("Cel", "celsius"), ("Hz", "hertz"), ("%", "percent"),
    ]

    /// Units after a `/` and their singular words.
    private static let perUnits: [(StaticString, StaticString)] = [
        ("s", "second"), ("m", "minute"), ("h", "hour"), ("d", "day"), ("w", "week"), ("mo", "month"), ("y", "year"),
    ]

    private static func word(for unit: UnsafeRawBufferPointer, in table: [(StaticString, StaticString)]) -> StaticString? {
        table.first { ByteOrder.equal(unit, $0.0) }?.1
    }

    /// Copies `unit` into `scratch` without `{…}` annotations and spaces; returns the copy.
    private static func removingAnnotations(_ unit: UnsafeRawBufferPointer,
                                            into scratch: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
        var count = 0, depth = 0
        for b in unit {
            switch b {
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"): depth = max(depth - 1, 0)
            case UInt8(ascii: " "): break
            default:
                guard depth == 0 else { continue }
                scratch[count] = b
                count += 1
            }
        }
        return UnsafeRawBufferPointer(rebasing: scratch[..<count])
    }

    private static func appendSuffix(_ word: StaticString, to out: inout [UInt8], start: Int) {
        appendSuffix(UnsafeRawBufferPointer(word), to: &out, start: start)
    }

    /// Appends `_<word>` (sanitised, trimmed of `_`) unless it is empty or the name from
    /// `start` already ends with those words; returns whether it did.
    @discardableResult
    private static func appendSuffix(_ word: UnsafeRawBufferPointer, to out: inout [UInt8], start: Int) -> Bool {
        let before = out.count
        if out.last != UInt8(ascii: "_") { out.append(UInt8(ascii: "_")) }
        let wordStart = out.count
        appendSanitized(word, allowColon: false, to: &out, start: wordStart)
        if out.count > wordStart, out[wordStart] == UInt8(ascii: "_") { out.remove(at: wordStart) }
        while out.count > wordStart, out.last == UInt8(ascii: "_") { out.removeLast() }
        let wordLength = out.count - wordStart
        // The name so far, with its trailing `_`, ends in `_<word>_` or is `<word>_`.
        let nameLength = wordStart - start
        let repeated = wordLength > 0 && nameLength >= wordLength + 1
            && (nameLength == wordLength + 1 || out[wordStart - wordLength - 2] == UInt8(ascii: "_"))
            && out[(wordStart - wordLength - 1)..<(wordStart - 1)].elementsEqual(out[wordStart...])
        guard wordLength > 0, !repeated else {
            out.removeLast(out.count - before)
            return false
        }
        return true
    }

    /// Appends `bytes` with every byte outside the name alphabet replaced by `_`, runs of `_`
    /// collapsed (with an `_` already ending the name from `start`), and `_` in front of a
    /// leading digit.
    private static func appendSanitized(_ bytes: UnsafeRawBufferPointer, allowColon: Bool, to out: inout [UInt8], start: Int) {
        for var b in bytes {
            let valid = allowColon ? PrometheusName.isNameByte(b) : PrometheusName.isLabelNameByte(b)
            if !valid { b = UInt8(ascii: "_") }
            if b == UInt8(ascii: "_"), out.count > start, out.last == UInt8(ascii: "_") { continue }
            if out.count == start, PrometheusName.isDigit(b) { out.append(UInt8(ascii: "_")) }
            out.append(b)
        }
    }
}
