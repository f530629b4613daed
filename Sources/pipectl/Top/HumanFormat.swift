import Foundation

/// Short, fixed-precision spellings of numbers for `pipectl top`'s narrow columns:
/// `1.2k`, `3.4M`, `12.3MiB`, `250ms`, `87%`; `-` where there is nothing to show.
enum HumanFormat {
    /// A count or rate with SI suffixes (`999`, `1.2k`, `12.3k`, `123k`, `1.2M`); rates
    /// below 10 keep one decimal so a trickle does not read as `0`.
    static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value < 0.05 { return "0" }
        return scaled(value, base: 1000, units: ["", "k", "M", "G", "T", "P"])
    }

    /// A byte count or byte rate in binary units (`512B`, `1.2KiB`, `12.3MiB`, `123MiB`).
    static func bytes(_ value: Double?) -> String {
        guard let value else { return "-" }
        return scaled(value.rounded(), base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
    }

    /// A duration in seconds (`850µs`, `3.2ms`, `250ms`, `1.2s`, `30s`).
    static func seconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        switch value {
        case ..<0.000_999_5: return String(format: "%.0fµs", value * 1e6)
        case ..<0.009_95: return String(format: "%.1fms", value * 1e3)
        case ..<0.999_5: return String(format: "%.0fms", value * 1e3)
        case ..<9.95: return String(format: "%.1fs", value)
        default: return String(format: "%.0fs", value)
        }
    }

    /// A fraction as a whole percentage; above 0 but under 1% is `<1%` (not an empty-looking `0%`).
    static func percent(_ fraction: Double?) -> String {
        guard let fraction else { return "-" }
        if fraction > 0, fraction < 0.005 { return "<1%" }
        return String(format: "%.0f%%", fraction * 100)
    }

    /// `value` divided by `base` until it reads below 1000, with one decimal under 100 (or,
    /// without a unit, under 10 and only when it has a fraction).
    private static func scaled(_ value: Double, base: Double, units: [String]) -> String {
        var v = value, unit = 0
        while v >= 999.5, unit < units.count - 1 {
            v /= base
            unit += 1
        }
        let decimals: Bool
        if unit == 0 {
            decimals = v < 9.95 && v != v.rounded()
        } else {
            decimals = v < 99.95
        }
        return String(format: decimals ? "%.1f" : "%.0f", v) + units[unit]
    }
}
