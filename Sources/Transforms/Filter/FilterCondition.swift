import Pipeline

/// A condition on an event, as written under `condition:`.
///
///     condition: { field: appname, equals: heroku }
///     condition: { all: [ { field: status, gte: 500 }, { not: { field: path, starts_with: /health } } ] }
///
/// Log events: `message`, or a field name. Metric events: `name`, `value`, `kind`, or
/// `labels.NAME`. Operators: `equals`, `not_equals`, `in`, `contains`, `starts_with`,
/// `ends_with`, `exists`, `gt`, `gte`, `lt`, `lte`. Combinators: `all`, `any`, `not`.
indirect enum FilterCondition: Sendable {
    case all([FilterCondition])
    case any([FilterCondition])
    case not(FilterCondition)
    case test(target: Target, op: Operator)

    enum Target: Sendable {
        case message
        case field(FieldName)
        case metricName
        case metricValue
        case metricKind
        case label([UInt8])
    }

    enum Operator: Sendable {
        case equals([[UInt8]])
        case notEquals([UInt8])
        case contains([UInt8])
        case startsWith([UInt8])
        case endsWith([UInt8])
        case exists(Bool)
        case compare(Comparison, Double)
    }

    enum Comparison: String, Sendable, CaseIterable { case gt, gte, lt, lte }

    static let operators = ["equals", "not_equals", "in", "contains", "starts_with", "ends_with", "exists", "gt", "gte", "lt", "lte"]

    /// Reads a condition mapping; problems go to the reader's diagnostics.
    static func decode(_ reader: ConfigReader) -> FilterCondition? {
        if reader.has("all") { return .all(reader.childList("all").compactMap { c in defer { c.finish() }; return decode(c) }) }
        if reader.has("any") { return .any(reader.childList("any").compactMap { c in defer { c.finish() }; return decode(c) }) }
        if let inner = reader.child("not") {
            defer { inner.finish() }
            return decode(inner).map { .not($0) }
        }
        let present = operators.filter { reader.has($0) }
        guard let name = reader.string("field", required: true) else { return nil }
        let target: Target
        switch name {
        case "message": target = .message
        case "name": target = .metricName
        case "value": target = .metricValue
        case "kind": target = .metricKind
        default: target = name.hasPrefix("labels.") ? .label(Array(name.dropFirst(7).utf8)) : .field(FieldName(name))
        }
        guard present.count == 1 else {
            reader.error(nil, present.isEmpty ? "a condition needs one operator: \(operators.joined(separator: ", ")) (or all/any/not)"
                                              : "a condition takes one operator, got \(present.joined(separator: ", "))")
            return nil
        }
        let op: Operator
        switch present[0] {
        case "equals": op = .equals([Array((reader.string("equals") ?? "").utf8)])
        case "in": op = .equals((reader.stringList("in") ?? []).map { Array($0.utf8) })
        case "not_equals": op = .notEquals(Array((reader.string("not_equals") ?? "").utf8))
        case "contains": op = .contains(Array((reader.string("contains") ?? "").utf8))
        case "starts_with": op = .startsWith(Array((reader.string("starts_with") ?? "").utf8))
        case "ends_with": op = .endsWith(Array((reader.string("ends_with") ?? "").utf8))
        case "exists": op = .exists(reader.bool("exists", default: true))
        default:
            let c = Comparison(rawValue: present[0])!
            op = .compare(c, reader.double(present[0], default: 0))
        }
        return .test(target: target, op: op)
    }
}
