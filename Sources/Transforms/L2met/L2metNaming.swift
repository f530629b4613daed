import Codecs

/// Turns l2met names and units into Prometheus metric names.
///
/// `measure#db.latency=12ms` → `db_latency_seconds` (value / 1000); `sample#memory_rss=21MB`
/// → `memory_rss_bytes` (× 1024²); `sample#memory_pgpgin=348836pages` → `memory_pgpgin_pages`.
/// Names are sanitised to `[a-zA-Z_:][a-zA-Z0-9_:]*`: every other byte becomes `_` and a
/// leading digit gets a `_` in front. A suffix the name already ends with is not repeated
/// (`sample#memory_total_bytes=1MB` → `memory_total_bytes`).
struct L2metNaming: Sendable {
    /// Prepended verbatim (validated at config time).
    let prefix: [UInt8]
    /// `units: keep`: values as sent, the unit as written becomes the suffix.
    let keepUnits: Bool

    /// Appends the metric name to `out` and returns the unit whose `normalize` converts the
    /// value to the name's unit (`.none` when values stay as sent), or nil when the name is empty.
    func append(name: UnsafeRawBufferPointer, unit: UnsafeRawBufferPointer, total: Bool,
                into out: inout [UInt8]) -> UnitConversion? {
        guard !name.isEmpty else { return nil }
        let start = out.count
        out.append(contentsOf: prefix)
        if out.count == start, let first = name.first, PrometheusName.isDigit(first) { out.append(UInt8(ascii: "_")) }
        for b in name { out.append(PrometheusName.isNameByte(b) ? b : UInt8(ascii: "_")) }
        var conversion = UnitConversion.none
        if keepUnits {
            appendUnitSuffix(unit, start: start, into: &out)
        } else {
            conversion = UnitConversion.classify(unit)
            switch conversion {
            case .none: break
            case .seconds: appendSuffix(Self.seconds, start: start, into: &out)
            case .bytes: appendSuffix(Self.bytes, start: start, into: &out)
            case .other: appendUnitSuffix(unit, start: start, into: &out)
            }
        }
        if total { appendSuffix(Self.total, start: start, into: &out) }
        return conversion
    }

    /// Appends `_UNIT` with the unit sanitised (`%` reads `percent`); a unit without a letter
    /// or digit adds nothing.
    private func appendUnitSuffix(_ unit: UnsafeRawBufferPointer, start: Int, into out: inout [UInt8]) {
        guard unit.contains(where: { PrometheusName.isAlphanumeric($0) || $0 == UInt8(ascii: "%") }) else { return }
        let before = out.count
        out.append(UInt8(ascii: "_"))
        for b in unit {
            if b == UInt8(ascii: "%") {
                out.append(contentsOf: Self.percent)
            } else {
                out.append(PrometheusName.isNameByte(b) ? b : UInt8(ascii: "_"))
            }
        }
        dropRepeatedSuffix(length: out.count - before, start: start, in: &out)
    }

    private func appendSuffix(_ suffix: [UInt8], start: Int, into out: inout [UInt8]) {
        out.append(contentsOf: suffix)
        dropRepeatedSuffix(length: suffix.count, start: start, in: &out)
    }

    /// Removes the suffix just appended when the name already ended with it.
    private func dropRepeatedSuffix(length: Int, start: Int, in out: inout [UInt8]) {
        let end = out.count
        guard end - start >= 2 * length else { return }
        if out[(end - 2 * length)..<(end - length)].elementsEqual(out[(end - length)..<end]) {
            out.removeLast(length)
        }
    }

    private static let seconds = Array("_seconds".utf8)
    private static let bytes = Array("_bytes".utf8)
    private static let total = Array("_total".utf8)
    private static let percent = Array("percent".utf8)
}
