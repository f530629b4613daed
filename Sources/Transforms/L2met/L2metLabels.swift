/// The labels an l2met series can carry: the four taken from each event and the static ones.
///
/// Slots are the union of names, sorted by bytes, so writing a series' labels in slot order
/// gives Prometheus' sorted order without sorting per sample. A series key holds only the
/// event-taken values (`Dynamic`); a static label fills its slot when the event has no value
/// of that name, so the static values never need to be part of the key.
struct L2metLabels: Sendable {
    /// The labels taken from the event, in sorted name order (their raw value is the order).
    enum Dynamic: Int, CaseIterable {
        /// `app`: the drain's app name (field `app`).
        case app
        /// `dyno`: the syslog PROCID (`web.1`), or a router line's `dyno=` value.
        case dyno
        /// `source`: the line's `source=` value.
        case source
        /// `status_class`: `2xx`… of a router line.
        case statusClass

        var name: String {
            switch self {
            case .app: "app"
            case .dyno: "dyno"
            case .source: "source"
            case .statusClass: "status_class"
            }
        }
    }

    /// Label names, sorted; the index is the slot.
    let names: [[UInt8]]
    /// The static value of each slot, if configured.
    let staticValues: [[UInt8]?]
    /// The dynamic label of each slot, if any.
    let dynamicOfSlot: [Dynamic?]
    /// Per slot: true when its name sorts before `quantile` / `le` (where the extra label goes).
    let beforeQuantile: [Bool]
    let beforeLe: [Bool]

    static let dynamicCount = 4

    init(staticLabels: [(String, String)]) {
        var all: [String: String?] = [:]
        for d in Dynamic.allCases { all[d.name] = .some(nil) }
        for (name, value) in staticLabels { all[name] = .some(value) }
        let sorted = all.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        names = sorted.map { Array($0.utf8) }
        staticValues = sorted.map { all[$0]!.map { Array($0.utf8) } }
        dynamicOfSlot = sorted.map { name in Dynamic.allCases.first { $0.name == name } }
        beforeQuantile = names.map { $0.lexicographicallyPrecedes(Array("quantile".utf8)) }
        beforeLe = names.map { $0.lexicographicallyPrecedes(Array("le".utf8)) }
    }

    /// Appends the event's label values to a series key: `[dynamic]` then the value as
    /// `SeriesKeyLabelValue` lays it out, for each non-empty value, in `Dynamic` order.
    static func encode(_ values: DynamicValues, into key: inout [UInt8]) {
        for raw in 0..<dynamicCount {
            let value = values[Dynamic(rawValue: raw)!]
            guard value.count > 0 else { continue }
            key.append(UInt8(raw))
            SeriesKeyLabelValue.append(value, to: &key)
        }
    }

    /// The value ranges of each dynamic label in a series key's label part (empty when absent).
    static func decode(_ key: [UInt8], from start: Int) -> [Range<Int>] {
        var ranges = Array(repeating: 0..<0, count: dynamicCount)
        var i = start
        while i + 3 <= key.count {
            let value = SeriesKeyLabelValue.range(in: key, at: i + 1)
            ranges[Int(key[i])] = value
            i = value.upperBound
        }
        return ranges
    }
}

/// The dynamic label values of one line, pointing into the batch arena (valid during `process`).
struct DynamicValues {
    private var values: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer)

    init() {
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        values = (none, none, none, none)
    }

    subscript(_ d: L2metLabels.Dynamic) -> UnsafeRawBufferPointer {
        get {
            switch d {
            case .app: values.0
            case .dyno: values.1
            case .source: values.2
            case .statusClass: values.3
            }
        }
        set {
            switch d {
            case .app: values.0 = newValue
            case .dyno: values.1 = newValue
            case .source: values.2 = newValue
            case .statusClass: values.3 = newValue
            }
        }
    }
}
