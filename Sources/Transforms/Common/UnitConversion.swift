#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a unit suffix means once normalised to Prometheus base units (seconds, bytes), and
/// the conversion of a value to them. Shared by `l2met` (which also names series after the
/// unit) and `log_to_metric`.
enum UnitConversion: Equatable {
    /// No unit.
    case none
    /// A duration; divide by the number of units per second (`ms`: 1000) for seconds.
    case seconds(Double)
    /// A size; multiply by the unit's bytes (1024-based, as Heroku reports memory).
    case bytes(Double)
    /// Any other unit (`pages`): kept as a name suffix, the value unchanged.
    case other

    /// Classifies unit bytes (`ms`, `MB`, `pages`, …).
    static func classify(_ unit: UnsafeRawBufferPointer) -> UnitConversion {
        if unit.isEmpty { return .none }
        for (text, meaning) in table where text.count == unit.count {
            if text.withUnsafeBytes({ memcmp($0.baseAddress!, unit.baseAddress!, unit.count) == 0 }) {
                return meaning
            }
        }
        return .other
    }

    private static let kibi = 1024.0
    private static let table: [([UInt8], UnitConversion)] = ([
        ("ns", .seconds(1e9)), ("us", .seconds(1e6)), ("µs", .seconds(1e6)), ("ms", .seconds(1e3)),
        ("s", .seconds(1)),
        ("B", .bytes(1)), ("bytes", .bytes(1)),
        ("kB", .bytes(kibi)), ("KB", .bytes(kibi)), ("KiB", .bytes(kibi)),
        ("MB", .bytes(kibi * kibi)), ("MiB", .bytes(kibi * kibi)),
        ("GB", .bytes(kibi * kibi * kibi)), ("GiB", .bytes(kibi * kibi * kibi)),
        ("TB", .bytes(kibi * kibi * kibi * kibi)), ("TiB", .bytes(kibi * kibi * kibi * kibi)),
    ] as [(String, UnitConversion)]).map { (Array($0.0.utf8), $0.1) }

    /// `value` in base units (seconds, bytes); unchanged for no unit and other units.
    /// Durations divide (`200 / 1000` is exactly 0.2, `200 × 0.001` is not).
    func normalize(_ value: Double) -> Double {
        switch self {
        case .seconds(let perSecond): value / perSecond
        case .bytes(let size): value * size
        case .none, .other: value
        }
    }
}
